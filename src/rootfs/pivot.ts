// Switching the init's root to the rootfs (runc pivotRoot / msMoveRoot).
import * as fs from 'node:fs';
import { MNT_DETACH, MS_MOVE, MS_REC, MS_SLAVE } from '../../ffi/constants.js';
import { RuntimeError, SyscallError, fromNodeError, wrap } from '../errors.js';
import { parseMountinfo, readOwnMountinfo } from '../linux/mountinfo.js';
import type { Sys } from '../syscall/sys.js';
import { isWithin } from './secure-path.js';
import { runStep, type Step } from '../step.js';

export interface EnterOptions {
  /** Host path of the rootfs (already bind-mounted onto itself by prepareRootfs). */
  rootfs: string;
  /** runc --no-pivot: MS_MOVE the rootfs onto / and chroot, for roots that cannot be pivoted (initramfs). */
  noPivot?: boolean;
  /**
   * No mount namespace of its own: the init is in the host's, where neither pivot_root
   * nor moving the rootfs onto `/` may happen; chroot only (as runc).
   */
  chrootOnly?: boolean;
  step?: Step;
  /** Text of /proc/self/mountinfo, for tests (read from the kernel when absent). */
  mountinfo?: string;
}

/** Makes the rootfs the process's `/`; the cwd is `/` afterwards. */
export function enterRootfs(sys: Sys, options: EnterOptions): void {
  const step = options.step ?? runStep;
  const rootfs = realRootfs(options.rootfs);
  step('chdir rootfs', () => sys.chdir(rootfs));
  if (options.chrootOnly) {
    step('chroot', () => sys.chroot('.'));
    step('chdir /', () => sys.chdir('/'));
  } else if (options.noPivot) moveRoot(sys, rootfs, step, options.mountinfo);
  else pivotRoot(sys, step);
}

function realRootfs(rootfs: string): string {
  try {
    return fs.realpathSync.native(rootfs);
  } catch (err) {
    throw fromNodeError(err, 'realpath', rootfs);
  }
}

/**
 * pivot_root(".", "."): the rootfs becomes `/` and the old root is stacked on top of it.
 * The cwd stays on the new root, where "." does not cross into the stacked old root but ".."
 * does (the kernel follows mounts after ".."), so step onto the old root first (runc uses an
 * fd of it with fchdir). Make it a slave so that detaching it does not propagate to the
 * host's mounts; made on "." the rslave would hit the container's own mounts instead.
 */
function pivotRoot(sys: Sys, step: Step): void {
  step('pivot_root', () => sys.pivotRoot('.', '.'));
  step('chdir old root', () => {
    sys.chdir('..');
    if (sameFile('.', '/')) throw new RuntimeError('pivot_root: the old root is not reachable through ".."');
  });
  step('make old root rslave', () => sys.mount(null, '.', null, MS_SLAVE | MS_REC, null));
  step('detach old root', () => sys.umount2('.', MNT_DETACH));
  step('chdir /', () => sys.chdir('/'));
}

function sameFile(a: string, b: string): boolean {
  const [x, y] = [fs.statSync(a), fs.statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
}

/**
 * --no-pivot: move the rootfs mount onto `/` and chroot into it. The host's mounts stay in
 * this mount namespace underneath; a full procfs or sysfs among them would let the
 * container mount a fresh, unmasked one (the kernel allows that when a full instance is
 * visible), so those are detached first, or covered with an empty tmpfs when detaching
 * is not allowed (runc msMoveRoot).
 */
function moveRoot(sys: Sys, rootfs: string, step: Step, mountinfo?: string): void {
  const text = mountinfo ?? readOwnMountinfo();
  const hostPseudoFs = parseMountinfo(text).filter(
    (e) => e.root === '/' && (e.fsType === 'proc' || e.fsType === 'sysfs') && !isWithin(rootfs, e.mountPoint),
  );
  for (const entry of hostPseudoFs) {
    step(`hide host ${entry.fsType} at ${entry.mountPoint}`, () => wrap(`hide host ${entry.mountPoint}`, () => hideMount(sys, entry.mountPoint)));
  }
  step('move rootfs to /', () => sys.mount(rootfs, '/', null, MS_MOVE, null));
  step('chroot', () => sys.chroot('.'));
  step('chdir /', () => sys.chdir('/'));
}

function hideMount(sys: Sys, mountPoint: string): void {
  try {
    sys.mount(null, mountPoint, null, MS_SLAVE | MS_REC, null);
  } catch (err) {
    // Already gone with a parent we detached before.
    if (err instanceof SyscallError && err.code === 'ENOENT') return;
    throw err;
  }
  try {
    sys.umount2(mountPoint, MNT_DETACH);
  } catch (err) {
    if (!(err instanceof SyscallError) || (err.code !== 'EINVAL' && err.code !== 'EPERM')) throw err;
    sys.mount('tmpfs', mountPoint, 'tmpfs', 0, null);
  }
}
