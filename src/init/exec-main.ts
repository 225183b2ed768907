// The exec init: spawned by `exec` (src/runtime/operations/exec.ts) inside the container's PID
// namespace and cgroup, with its fds (the sync socket, the container init's other
// namespaces, ...) named in argv[2] (the exchange: src/protocol.ts). It joins them
// (mount last), sets up the terminal, applies the process attributes, drops to the
// process's credentials and execs the program. All of it runs synchronously on the main
// thread: namespaces, root, credentials and capabilities are per thread.
import { dumpableError } from './early-guard.js'; // first: makes sure we are non-dumpable
import { closeSync } from 'node:fs';
import { RuntimeError, withContext } from '../errors.js';
import { linuxSys } from '../syscall/linux.js';
import { moveSelf } from '../cgroups/self-join.js';
import { applyEarlyAttributes, containerEnv, finalizeProcess, resolveExecutable } from '../process/attributes.js';
import { makeControllingTerminal, sendConsole } from '../terminal/index.js';
import { ChannelClosedError, InitChannel, requireSlot, slotFd } from '../protocol.js';
import { joinNamespace, type NamespaceType } from '../namespaces.js';
import { joinSessionKeyring } from './keyring.js';
import { currentlyIgnored, resetSignals } from './signal-dispositions.js';
import { buildSeccompFilter } from '../process/seccomp.js';

const sync = new InitChannel(requireSlot('sync'));

function fail(err: unknown): never {
  return sync.failAndExit(err);
}

/** Joins the container's namespaces in the given order; the mount namespace must come last. */
function joinNamespaces(namespaces: readonly NamespaceType[], step: <T>(name: string, fn: () => T) => T): void {
  for (const type of namespaces) {
    step(`join ${type} namespace`, () => {
      const fd = requireSlot(`ns:${type}`);
      try {
        joinNamespace(linuxSys, fd, type, `${type} namespace of the container`);
      } finally {
        closeSync(fd);
      }
    });
  }
}

function run(): never {
  if (dumpableError) throw withContext('exec init', dumpableError);
  // Node ignores some signals for itself; read them while /proc is still the host's.
  const ignored = currentlyIgnored();
  sync.send({ type: 'booted' });
  let config;
  try {
    config = sync.receiveExecConfig();
  } catch (err) {
    if (err instanceof ChannelClosedError) process.exit(1); // the runtime gave up before sending anything
    throw err;
  }
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
      const consoleFd = slotFd('console');
      if (consoleFd === undefined) throw new RuntimeError('terminal requested without a console socket');
      const pty = sendConsole(consoleFd, proc.consoleSize);
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
  const pidsJoin = slotFd('pidsJoin');
  if (pidsJoin !== undefined) step('join pids cgroup', () => moveSelf(pidsJoin, 'the pids cgroup'));
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
