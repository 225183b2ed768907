// The container init's work, top to bottom, in the order of runc's standard init
// (libcontainer/standard_init_linux.go Init()). Everything that can fail happens before
// `ready`, so that `create` reports it: namespaces, hostname, rootfs and mounts, the
// createRuntime/prestart hooks (run by the runtime) and createContainer hooks, pivot_root,
// the terminal, process attributes, masked and read-only paths, the executable lookup,
// then the fd sweep, a seccomp filter without no_new_privs, credentials and capabilities.
// After `start`: the pids cgroup (under a small limit), the startContainer hooks, a no_new_privs filter, execve.
//
// Every step with a side effect on the process goes through `sys`; the runtime is reached
// through `channel` and the exec.fifo wait through `io`, so a test can run it all in order.
import { RuntimeError } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import type { InitConfig } from './config.js';
import { requireSlot, slotFd, type InitLink } from '../protocol.js';
import { setupNamespaces } from './setup-namespaces.js';
import { sessionKeyringName } from './keyring.js';
import { prepareRootfs, enterRootfs, finalizeRootfs, bindConsole } from '../rootfs/index.js';
import { hasNamespace } from '../plan/namespaces.js';
import {
  applyEarlyAttributes, applyExecLabels, applyUmask, dropPrivileges, resolveExecutable, setNoNewPrivileges, sweepFds,
} from '../process/attributes.js';
import { runHooks } from '../hooks/run-hooks.js';
import { containerEnv } from '../process/env.js';
import { sendConsole, makeControllingTerminal } from '../terminal/index.js';
import { ensureCwd } from './cwd.js';

/** What the container init takes from the process it runs in. */
export interface StandardInitIO {
  /** The init's argv: argv[2] names its fd slots (console, pidsJoin, pidsLeave, mount:<index>). */
  argv: readonly string[];
  /** Signals ignored when the init started (Node's own, the caller's): back to their defaults before execve. */
  ignoredSignals: readonly number[];
  /** Called once `ready` is sent; resolves when `start` has opened exec.fifo. */
  waitForStart(): Promise<void>;
}

export async function runStandardInit(sys: Sys, channel: InitLink, config: InitConfig, io: StandardInitIO): Promise<never> {
  const { plan } = config;
  const proc = plan.process;
  const step = channel.stepLogger('init', config.debug);
  const warn = (msg: string) => channel.log('warning', msg);

  // Compiled by the runtime (a bad profile failed `create` there): only loaded here.
  const { seccomp } = config;

  // A new cgroup namespace is rooted where the init is: in the container's pids cgroup too.
  const pidsJoin = slotFd('pidsJoin', io.argv);
  const pidsLeave = slotFd('pidsLeave', io.argv);
  setupNamespaces(sys, plan, step, '/proc', pidsJoin !== undefined && pidsLeave !== undefined ? {
    before: () => sys.joinCgroup(pidsJoin, 'the pids cgroup'),
    after: () => sys.joinCgroup(pidsLeave, 'the pids cgroup the init started in'),
  } : undefined);
  // A session keyring of the container's own, as runc makes.
  if (!config.noNewKeyring) step('join session keyring', () => sys.joinSessionKeyring(sessionKeyringName(plan.id)));
  if (plan.hostname !== undefined) step('sethostname', () => sys.sethostname(plan.hostname!));
  if (plan.domainname !== undefined) step('setdomainname', () => sys.setdomainname(plan.domainname!));

  // The id-mapped mounts the runtime made, one fd each (src/runtime/launch/idmapped-mounts.ts).
  const mountSources = new Map<number, number>();
  plan.mounts.forEach((m, i) => { if (m.idmap) mountSources.set(i, requireSlot(`mount:${i}`, io.argv)); });
  step('prepare rootfs', () => prepareRootfs(sys, { plan, cgroupPaths: config.cgroupPaths, step, mountSources }));

  // prestart and createRuntime hooks run in the runtime, with our namespaces ready.
  channel.send({ type: 'hooks' });
  channel.expect('hooksDone');
  const { createContainer } = plan.hooks;
  step('createContainer hooks', () => runHooks('createContainer', createContainer.hooks, createContainer.state));

  const chrootOnly = !hasNamespace(plan.namespaces, 'mount');
  step('enter rootfs', () => enterRootfs(sys, { rootfs: plan.root.path, noPivot: config.noPivot, chrootOnly, step }));
  // Before the root may turn read-only.
  if (proc.cwd) step('create cwd', () => ensureCwd(proc.cwd));

  if (proc.terminal) {
    step('set up console', () => {
      const consoleFd = slotFd('console', io.argv);
      if (consoleFd === undefined) throw new RuntimeError('terminal requested without a console socket');
      const pty = sendConsole(consoleFd, proc.consoleSize);
      bindConsole(sys, { rootfs: '/', ptySlavePath: pty.slavePath });
      makeControllingTerminal(sys, pty.slave);
    });
  }

  // Before finalizeRootfs: sysctls are written to /proc/sys, which readonlyPaths then locks.
  step('process attributes', () => applyEarlyAttributes(sys, proc, plan, { oomScoreAdjSet: !!plan.namespaces.user || !!config.oomScoreAdjSet }));
  step('finalize rootfs', () => finalizeRootfs(sys, { plan, step }));

  const env = containerEnv(proc.env, proc.uid);
  if (config.listenFds > 0) env.push(`LISTEN_FDS=${config.listenFds}`, 'LISTEN_PID=1');
  const path = step('look up executable', () => resolveExecutable(proc.args[0] ?? '', env, proc.cwd));

  step('exec labels', () => applyExecLabels(proc));
  if (proc.noNewPrivileges) step('no_new_privs', () => setNoNewPrivileges(sys));
  step('umask', () => applyUmask(sys, proc));
  step('fd sweep', () => sweepFds(sys, config.preserveFds));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the drop.
  if (seccomp && !proc.noNewPrivileges) step('load seccomp filter', () => sys.loadSeccomp(seccomp));
  step('drop privileges', () => dropPrivileges(sys, proc, { warn }));

  channel.send({ type: 'ready' });
  await io.waitForStart();

  // `create` has returned and the channel is closed: no more steps to report.
  // Under a small limit: the engine's threads end at execve, only now may they count against pids.max.
  if (pidsJoin !== undefined) sys.joinCgroup(pidsJoin, 'the pids cgroup');
  // As the container's user, like runc.
  const { startContainer } = plan.hooks;
  runHooks('startContainer', startContainer.hooks, startContainer.state);
  // As late as possible, so that the filter sees as few of the init's own syscalls as can be.
  if (seccomp && proc.noNewPrivileges) sys.loadSeccomp(seccomp);
  sys.resetSignals(io.ignoredSignals);
  return sys.execve(path, proc.args, env);
}
