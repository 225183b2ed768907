// The rootfs and its propagation, computed once for both places that apply it: the
// namespace's `/` before the rootfs is bound, and the new `/` at the very end.
import { MS_UNBINDABLE } from '../../ffi/constants.js';
import type { Spec } from '../generated/config.js';
import { DEFAULT_ROOT_PROPAGATION, appliesAfterPivot, rootfsPropagationFlags } from '../rootfs/mount-flags.js';
import type { PlanIssues } from './issues.js';
import type { RootPlan } from './types.js';

/**
 * Host mounts keep reaching the container, nothing the container mounts reaches the host.
 * Like runc, the value applies to the namespace's `/` before the rootfs is bound, so with
 * shared/slave the new `/` usually ends up private (its shared parent is made private).
 * unbindable waits for the new `/`: from under an unbindable `/` the rootfs could not be
 * bound, and set earlier it would stop the readonly-path and mask binds. Without a mount
 * namespace of its own the container works in the host's, whose `/` is not ours to change.
 */
export function planRoot(spec: Spec, rootfs: string, mountNamespace: boolean, issues: PlanIssues): RootPlan {
  const requested = issues.lookup(['linux', 'rootfsPropagation'], () => rootfsPropagationFlags(spec.linux?.rootfsPropagation));
  const plan: RootPlan = { path: rootfs, readonly: !!spec.root?.readonly };
  if (mountNamespace) {
    plan.propagation = requested === undefined || (requested & MS_UNBINDABLE) !== 0 ? DEFAULT_ROOT_PROPAGATION : requested;
  }
  if (requested !== undefined && appliesAfterPivot(requested)) plan.propagationLast = requested;
  return plan;
}
