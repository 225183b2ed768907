// The init's work, in order: namespaces, hostname, rootfs and mounts, the
// createRuntime/prestart hooks (run by the runtime) and createContainer hooks,
// pivot_root, the terminal, masked and read-only paths, process attributes, and the
// executable lookup — all before `ready`, so that create fails if any of it fails.
// Then, still before `ready` (runc's order): the fd sweep, a seccomp filter without
// no_new_privs, credentials and capabilities. After `start`: only the startContainer
// hooks, a no_new_privs filter, and execve.
import { RuntimeError } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import type { InitConfig } from './config.js';
import { slotFd, type InitChannel } from '../protocol.js';
import type { Step } from '../step.js';
import { setupNamespaces } from './namespaces.js';
import { moveSelf } from '../cgroups/self-join.js';
import { joinSessionKeyring } from './keyring.js';
import { prepareRootfs, enterRootfs, finalizeRootfs, bindConsole } from '../rootfs/index.js';
import { hasNamespace } from '../plan/namespaces.js';
import { applyEarlyAttributes, resolveExecutable, prepareProcess, completeProcess } from '../process/attributes.js';
import { runHooks } from '../hooks/run-hooks.js';
import { containerEnv } from '../process/env.js';
import { resetSignals } from './signal-dispositions.js';
import { sendConsole, makeControllingTerminal } from '../terminal/index.js';
import { buildSeccompFilter, type SeccompFilter } from '../process/seccomp.js';
import { ensureCwd } from './cwd.js';

export interface Prepared {
  /** The executable, resolved in the container's PATH. */
  path: string;
  env: string[];
  /** The container's seccomp filter, built and waiting to be loaded just before execve. */
  seccomp?: SeccompFilter;
}

export function setupContainer(sys: Sys, config: InitConfig, sync: InitChannel, step: Step): Prepared {
  const { plan } = config;
  const proc = plan.process;

  // Built first: libseccomp is loaded from the host's filesystem, which pivot_root takes away,
  // and a bad profile fails `create` rather than `start`.
  const seccompSpec = plan.seccomp;
  const debug = config.debug ? (msg: string) => sync.send({ type: 'log', level: 'debug', msg }) : undefined;
  const seccomp = seccompSpec ? step('build seccomp filter', () => buildSeccompFilter(seccompSpec, undefined, { debug })) : undefined;

  // A new cgroup namespace is rooted where the init is: in the container's pids cgroup too.
  const join = slotFd('pidsJoin');
  const leave = slotFd('pidsLeave');
  setupNamespaces(sys, plan, step, '/proc', join !== undefined && leave !== undefined ? {
    before: () => moveSelf(join, 'the pids cgroup'),
    after: () => moveSelf(leave, 'the pids cgroup the init started in'),
  } : undefined);
  if (!config.noNewKeyring) {
    // A session keyring of the container's own, as runc makes (named _ses.<id>).
    step('join session keyring', () =>
      joinSessionKeyring(plan.id));
  }
  if (plan.hostname !== undefined) step('sethostname', () => sys.sethostname(plan.hostname!));
  if (plan.domainname !== undefined) step('setdomainname', () => sys.setdomainname(plan.domainname!));

  step('prepare rootfs', () =>
    prepareRootfs(sys, { plan, cgroupPaths: config.cgroupPaths, step }));

  // prestart and createRuntime hooks run in the runtime, with our namespaces ready.
  sync.send({ type: 'hooks' });
  sync.expect('hooksDone');
  const { createContainer } = plan.hooks;
  step('createContainer hooks', () => runHooks('createContainer', createContainer.hooks, createContainer.state));

  const chrootOnly = !hasNamespace(plan.namespaces, 'mount');
  step('enter rootfs', () => enterRootfs(sys, { rootfs: plan.root.path, noPivot: config.noPivot, chrootOnly, step }));
  // Before the root may turn read-only.
  if (proc.cwd) step('create cwd', () => ensureCwd(proc.cwd));

  if (proc.terminal) {
    step('set up console', () => {
      const consoleFd = slotFd('console');
      if (consoleFd === undefined) throw new RuntimeError('terminal requested without a console socket');
      const pty = sendConsole(consoleFd, proc.consoleSize);
      bindConsole(sys, { rootfs: '/', ptySlavePath: pty.slavePath });
      makeControllingTerminal(sys, pty.slave);
    });
  }

  // Before finalizeRootfs: sysctls are written to /proc/sys, which readonlyPaths then locks.
  step('process attributes', () => applyEarlyAttributes(sys, proc, plan));
  step('finalize rootfs', () => finalizeRootfs(sys, { plan, step }));

  const env = containerEnv(proc.env, proc.uid);
  if (config.listenFds > 0) env.push(`LISTEN_FDS=${config.listenFds}`, 'LISTEN_PID=1');
  const path = step('look up executable', () => resolveExecutable(proc.args[0] ?? '', env, proc.cwd));

  // Everything that can fail happens before `ready`, so that `create` reports it:
  // the fd sweep, a filter without no_new_privs, the user, groups and capabilities.
  step('prepare process', () =>
    prepareProcess(sys, proc, {
      preserveFds: config.preserveFds,
      seccomp: seccomp && (() => seccomp.load()),
      warn: (msg) => sync.send({ type: 'log', level: 'warning', msg }),
    }));
  return { path, env, seccomp };
}

/**
 * After `start`: the startContainer hooks (as the container's user, like runc), a
 * no_new_privs seccomp filter, then execve.
 */
export function startProcess(sys: Sys, config: InitConfig, prepared: Prepared, ignoredSignals: readonly number[]): never {
  const proc = config.plan.process;
  const { startContainer } = config.plan.hooks;
  // Node's threads end at execve: only now may they count against pids.max.
  const pidsJoin = slotFd('pidsJoin');
  if (pidsJoin !== undefined) moveSelf(pidsJoin, 'the pids cgroup');
  runHooks('startContainer', startContainer.hooks, startContainer.state);
  const filter = prepared.seccomp;
  completeProcess(proc, { seccomp: filter && (() => filter.load()) });
  resetSignals(ignoredSignals);
  return sys.execve(prepared.path, proc.args, prepared.env);
}
