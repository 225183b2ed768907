// Mount operations shared by the mount types: propagation, recursive attributes and
// bind mounts with their flag remount (runc mountPropagate / remount / setRecAttr).
import { AT_RECURSIVE, MS_BIND, MS_REC, MS_REMOUNT } from '../../ffi/constants.js';
import type { ParsedMountOptions } from '../linux/mount-options.js';
import type { Sys } from '../syscall/sys.js';
import { MS_ATIME_FLAGS, MS_LOCKED_FLAGS, statfsToMountFlags } from './mount-flags.js';
import { verifyInRoot } from './secure-path.js';

/** What every mount step needs to know. */
export interface MountContext {
  sys: Sys;
  /** Host path of the rootfs, symlink-free. */
  rootfs: string;
  /** Whether the container has a cgroup namespace of its own (the cgroup mount shows its sub-tree). */
  cgroupNamespace: boolean;
  /** Container cgroup directory per controller (`''` for cgroup2). */
  cgroupPaths: Record<string, string>;
  /** Text of /proc/self/mountinfo (read lazily). */
  mountinfo: () => string;
}

/** Applies each propagation change (shared, rslave, ...) as its own mount(2) call. */
export function applyPropagation(sys: Sys, target: string, propagation: readonly number[]): void {
  for (const flags of propagation) sys.mount(null, target, null, flags, null);
}

/** Applies recursive attributes (rro, rnosuid, ...) with mount_setattr(AT_RECURSIVE). */
export function applyRecursiveAttrs(sys: Sys, target: string, opts: ParsedMountOptions): void {
  if (opts.recAttrSet === 0 && opts.recAttrClr === 0) return;
  sys.mountSetattr(target, AT_RECURSIVE, opts.recAttrSet, opts.recAttrClr, 0);
}

/**
 * Bind-mounts host `source` onto the resolved `target` (or attaches there the detached
 * copy of it open at `tree`), then applies propagation, the mount flags (a bind ignores
 * them: they need a second MS_BIND|MS_REMOUNT call) and the recursive attributes.
 */
export function bindInto(sys: Sys, rootfs: string, source: string, target: string, opts: ParsedMountOptions, tree?: number): void {
  verifyInRoot(rootfs, target);
  if (tree !== undefined) sys.moveMount(tree, target);
  else sys.mount(source, target, null, MS_BIND | (opts.recursiveBind ? MS_REC : 0), null);
  applyPropagation(sys, target, opts.propagation);
  // Remount only when the config asked for flags, set or cleared; otherwise the bind keeps the source's flags.
  if ((opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) !== 0 || opts.clearFlags !== 0) {
    remountBind(sys, source, target, opts.flags & ~MS_REC, opts.clearFlags);
  }
  applyRecursiveAttrs(sys, target, opts);
}

/**
 * MS_BIND|MS_REMOUNT with the requested flags. If the kernel refuses (EPERM: the source's
 * flags are locked, e.g. inherited from a less privileged namespace), retry keeping the
 * source's lockable flags, unless the config explicitly cleared one of them or asked for
 * a different atime mode — then the mount could not be what was asked for.
 */
export function remountBind(sys: Sys, source: string, target: string, flags: number, clearFlags: number): void {
  const wanted = flags | MS_BIND | MS_REMOUNT;
  try {
    sys.mount(null, target, null, wanted, null);
    return;
  } catch (err) {
    const sourceFlags = statfsToMountFlags(sys.statfs(source).flags);
    if ((sourceFlags & clearFlags & MS_LOCKED_FLAGS) !== 0) throw err;
    if ((flags & MS_ATIME_FLAGS) !== 0 && (flags & MS_ATIME_FLAGS) !== (sourceFlags & MS_ATIME_FLAGS)) throw err;
    sys.mount(null, target, null, wanted | (sourceFlags & MS_LOCKED_FLAGS), null);
  }
}

