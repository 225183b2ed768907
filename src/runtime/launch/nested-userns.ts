// Starting an init (or exec init) for a runtime that is root of a user namespace other
// than the initial one (rootless Podman runs the runtime so) when the container has no
// user namespace of its own. Such a runtime has no CAP_SYS_ADMIN over its own PID
// namespace (the initial user namespace owns it), so it cannot setns back after making
// or entering the container's: util-linux programs do that in the child instead, and
// fork the init, which the runtime then takes over (adopted-init.ts). And its init,
// started non-dumpable from a binary nobody in the namespace may read, has its /proc
// files owned by the host's root, so neither it nor the runtime may open its
// oom_score_adj: choom writes its own before it execs the rest, whose children inherit it.
import type { ChildPidNamespace } from '../../namespaces.js';
import { RuntimeError } from '../../errors.js';
import { utilLinuxProgram } from './userns-holder.js';
import { newPidNamespaceLauncher } from './launcher.js';

export interface NestedLaunch {
  /** The argv prefix of the init (empty: spawned as usual). */
  launcher: string[];
  /** The launcher forks the init: it is to be adopted. */
  forked: boolean;
  /** The launcher sets oom_score_adj: the init must leave it. */
  oomScoreAdjSet: boolean;
}

/**
 * The launcher for a process whose PID namespace is `pidNs` (a new one, one to enter by
 * path, or undefined: ours) and which asks for `oomScoreAdj`.
 */
export function nestedUserNamespaceLaunch(pidNs: ChildPidNamespace | undefined, oomScoreAdj: number | undefined): NestedLaunch {
  // choom first: it finds its oom_score_adj by its pid, under our /proc, which a new PID namespace's pid is not.
  const launcher = oomScoreAdj === undefined ? [] : [utilLinuxProgram('choom'), '-n', String(oomScoreAdj), '--'];
  if (pidNs && 'new' in pidNs) launcher.push(...newPidNamespaceLauncher());
  else if (pidNs && 'path' in pidNs) launcher.push(utilLinuxProgram('nsenter'), `--pid=${pidNs.path}`, '--');
  // An fd of ours is not the child's: its caller passes it to the child and names it by path.
  else if (pidNs) throw new RuntimeError('a PID namespace to enter from a user namespace must be given by path');
  return { launcher, forked: pidNs !== undefined, oomScoreAdjSet: oomScoreAdj !== undefined };
}
