// The exec init: spawned by `exec` (src/runtime/operations/exec.ts) inside the container's PID
// namespace and cgroup, with the sync socket at the fd named in argv[2] and the
// container init's other namespaces as inherited fds. It joins them (mount last),
// sets up the terminal, applies the process attributes, drops to the process's
// credentials and execs the program. All of it runs synchronously on the main
// thread: namespaces, root, credentials and capabilities are per thread.
//
//   runtime                         exec init
//   config ─────────────────────▶
//          ◀───────────────────── log      (debug lines, warnings)
//          ◀───────────────────── ready    (about to execve)
//          ◀───────────────────── error    (any step failed, or execve did)
//   EOF: execve succeeded (the socket is close-on-exec)
import { dumpableError } from './early-guard.js'; // first: makes sure we are non-dumpable
import { closeSync } from 'node:fs';
import { CLONE_FS, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS } from '../../ffi/constants.js';
import { RuntimeError, withContext } from '../errors.js';
import { linuxSys } from '../syscall/linux.js';
import { moveSelf } from '../cgroups/self-join.js';
import { applyEarlyAttributes, containerEnv, finalizeProcess, resolveExecutable } from '../process/attributes.js';
import { makeControllingTerminal, sendConsole } from '../terminal/index.js';
import { SyncChannel, type RuntimeMessage } from './sync.js';
import { joinSessionKeyring } from './keyring.js';
import { currentlyIgnored, resetSignals } from './signal-dispositions.js';
import type { ExecInitConfig, JoinNamespace } from './exec-config.js';
import { buildSeccompFilter } from '../process/seccomp.js';

const NS_FLAGS: Record<JoinNamespace['type'], number> = {
  ipc: CLONE_NEWIPC, uts: CLONE_NEWUTS, network: CLONE_NEWNET, cgroup: CLONE_NEWCGROUP, mount: CLONE_NEWNS,
};

const syncFd = Number(process.argv[2]);
const sync = new SyncChannel(syncFd);

function fail(err: unknown): never {
  return sync.failAndExit(err);
}

/** Joins the container's namespaces in the given order; the mount namespace must come last. */
function joinNamespaces(namespaces: readonly JoinNamespace[], step: <T>(name: string, fn: () => T) => T): void {
  for (const ns of namespaces) {
    step(`join ${ns.type} namespace`, () => {
      try {
        // setns into a mount namespace needs a fs_struct of our own (Node's threads share
        // ours); it then moves our root and cwd to the container's root.
        if (ns.type === 'mount') linuxSys.unshare(CLONE_FS);
        linuxSys.setns(ns.fd, NS_FLAGS[ns.type], `${ns.type} namespace of the container`);
      } finally {
        closeSync(ns.fd);
      }
    });
  }
}

function run(): never {
  if (dumpableError) throw withContext('exec init', dumpableError);
  // Node ignores some signals for itself; read them while /proc is still the host's.
  const ignored = currentlyIgnored();
  sync.send({ type: 'booted' });
  const msg = sync.receive<RuntimeMessage>();
  if (!msg) process.exit(1); // the runtime gave up before sending anything
  if (msg.type !== 'config') throw new RuntimeError(`exec init: unexpected message ${msg.type}`);
  const config = msg.config as ExecInitConfig;
  const step = sync.stepLogger('exec init', !!config.debug);
  const warn = (text: string) => sync.send({ type: 'log', level: 'warning', msg: text });
  const proc = config.process;

  // Before joining the mount namespace: libseccomp is loaded from the host's filesystem.
  const seccompSpec = config.seccomp;
  const debug = config.debug ? (msg: string) => sync.send({ type: 'log', level: 'debug', msg }) : undefined;
  const filter = seccompSpec ? step('build seccomp filter', () => buildSeccompFilter(seccompSpec, undefined, { debug })) : undefined;

  joinNamespaces(config.namespaces, step);
  // A container without a mount namespace of its own shares the host's: only its root tells it apart.
  if (config.root !== undefined) {
    step('chroot', () => {
      linuxSys.chroot(config.root!);
      linuxSys.chdir('/');
    });
  }
  if (config.joinKeyring) {
    step('join session keyring', () =>
      joinSessionKeyring(config.id));
  }
  if (proc.terminal) {
    step('set up console', () => {
      if (config.consoleFd === undefined) throw new RuntimeError('terminal requested without a console socket');
      const pty = sendConsole(config.consoleFd, proc.consoleSize);
      makeControllingTerminal(linuxSys, pty.slave);
      if (pty.slave > 2) closeSync(pty.slave);
    });
  }
  // rlimits, oom_score_adj, I/O priority, scheduler; no sysctls or personality (those
  // belong to the container, set up by its init).
  step('process attributes', () => applyEarlyAttributes(linuxSys, proc, undefined, { warn }));
  const env = containerEnv(proc.env, proc.uid);
  const path = step('look up executable', () => resolveExecutable(proc.args[0] ?? '', env, proc.cwd));
  // Node's threads end at execve: only now may they count against pids.max.
  if (config.pidsCgroupFd !== undefined) step('join pids cgroup', () => moveSelf(config.pidsCgroupFd!, 'the pids cgroup'));
  step('finalize process', () =>
    finalizeProcess(linuxSys, proc, {
      preserveFds: config.preserveFds, warn, chownStdio: config.chownStdio ? undefined : [], seccomp: filter && (() => filter.load()),
    }));
  resetSignals(ignored);
  sync.send({ type: 'ready' });
  return linuxSys.execve(path, proc.args, env);
}

try {
  run();
} catch (err) {
  fail(err);
}
