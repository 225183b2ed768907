// The argv prefix that starts an init (or exec init) in what a threaded process cannot
// enter: a user namespace (setns and unshare fail with EINVAL) and a time namespace
// joined by path (setns fails with EUSERS). util-linux's nsenter is single-threaded and
// joins them, then execs the init. It joins every namespace but the user one first and
// the user one last, retrying after it those it could not join before (namespaces owned
// by that user namespace): the order the kernel's permission checks need.
import type { NamespaceType } from '../../namespaces.js';
import type { NamespaceJoin } from '../../plan/types.js';
import { utilLinuxProgram } from './userns-holder.js';

/** nsenter's option for each namespace type. */
const NSENTER_OPTION: Readonly<Record<NamespaceType, string>> = {
  pid: 'pid', network: 'net', mount: 'mount', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

/**
 * The real gid of every stage after the first when no user namespace is entered.
 * Without one, nsenter runs as root with every capability and its execve of the init
 * grows none, so the kernel would start the init dumpable (spawn-init.ts makes only the
 * first execve grow capabilities). An execve by a process whose real and effective gids
 * differ starts the new program non-dumpable; the init's setresgid sets all three later.
 */
export const LAUNCHER_REAL_GID = 65534;

export interface LauncherNamespaces {
  /** The user namespace the init starts in (a new one's holder or one joined by path); absent: none. */
  user?: string;
  /** The other namespaces to join before the init runs (the plan's launcherJoin). */
  join: readonly NamespaceJoin[];
  /** Start the init as PID 1 of a new PID namespace owned by the user namespace. */
  newPidNamespace: boolean;
  /**
   * The runtime is not root. nsenter would become uid 0 with setgroups(2), which a
   * namespace whose setgroups is "deny" (every rootless one) refuses: it keeps the
   * caller's ids instead (the init has every capability in the namespace and sets the
   * container's ids itself).
   */
  rootless?: boolean;
}

/** The programs and arguments to put before the init's command line; undefined when the runtime spawns the init itself. */
export function initLauncher(ns: LauncherNamespaces, program: (name: 'nsenter' | 'unshare' | 'setpriv') => string = utilLinuxProgram): string[] | undefined {
  if (ns.user === undefined && ns.join.length === 0) return undefined;
  const nsenter = [
    program('nsenter'),
    ...ns.join.map((j) => `--${NSENTER_OPTION[j.type]}=${j.path}`),
    ...(ns.user !== undefined ? [`--user=${ns.user}`, ...(ns.rootless ? ['--preserve-credentials'] : [])] : []),
    '--',
  ];
  if (ns.user === undefined) {
    return [program('setpriv'), `--rgid=${LAUNCHER_REAL_GID}`, '--keep-groups', '--', ...nsenter];
  }
  // In a user namespace the init cannot read its mode-0711 executable, which starts it non-dumpable.
  if (!ns.newPidNamespace) return nsenter;
  return [...nsenter, ...newPidNamespaceLauncher(program)];
}

/**
 * The argv prefix that starts a program as PID 1 of a new PID namespace owned by the
 * user namespace it runs in. Only the process that unshares a PID namespace can start
 * its PID 1, so it forks, and the init is taken over (adopted-init.ts); the forking
 * unshare SIGKILLs the init if it dies first (the init cancels that once it has
 * booted, before the runtime ends the intermediate: src/init/main.ts).
 */
export function newPidNamespaceLauncher(program: (name: 'unshare') => string = utilLinuxProgram): string[] {
  return [program('unshare'), '--pid', '--fork', '--kill-child=SIGKILL', '--'];
}
