// Building the container's filesystem view before pivot_root (runc prepareRoot +
// the mount loop of prepareRootfs + /dev setup). Runs in the init, in its new mount
// namespace, with host paths.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { MS_BIND, MS_PRIVATE, MS_REC, MS_SLAVE, MS_UNBINDABLE } from '../../ffi/constants.js';
import { SyscallError, fromNodeError, withContext, wrap } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import { needsDevSetup, setupDev } from './devices.js';
import { DEFAULT_ROOT_PROPAGATION, rootfsPropagationFlags } from './mount-flags.js';
import type { MountContext } from './mount-ops.js';
import { mountToRootfs } from './mounts.js';
import { containerPath } from './secure-path.js';
import { runStep, type RootfsSpec, type Step } from './types.js';

export interface PrepareOptions {
  spec: RootfsSpec;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  /** Bundle directory (relative bind sources). */
  bundle: string;
  /** The container's cgroup directory per controller (`''` for cgroup2), for the `cgroup` mount. */
  cgroupPaths?: Record<string, string>;
  step?: Step;
  /** Text of /proc/self/mountinfo, for tests (read from the kernel when needed). */
  mountinfo?: string;
}

export function prepareRootfs(sys: Sys, options: PrepareOptions): void {
  const { spec } = options;
  const step = options.step ?? runStep;
  let rootfs: string;
  try {
    rootfs = fs.realpathSync.native(options.rootfs);
  } catch (err) {
    throw withContext('rootfs', fromNodeError(err, 'realpath', options.rootfs));
  }

  // Host mounts keep reaching the container, nothing the container mounts reaches the host.
  // shared/unbindable are applied to the new `/` after pivot_root (finalizeRootfs): an
  // unbindable `/` could not be bound, and runc does the same for shared.
  const requested = rootfsPropagationFlags(spec.linux?.rootfsPropagation);
  const rootFlags = requested === undefined || (requested & MS_UNBINDABLE) !== 0 ? DEFAULT_ROOT_PROPAGATION : requested;
  step('root propagation', () => wrap('set / propagation', () => sys.mount(null, '/', null, rootFlags, null)));
  step('rootfs parent propagation', () =>
    wrap('set rootfs parent mount propagation', () => setParentPropagation(sys, rootfs, rootFlags)));
  // pivot_root needs the new root to be a mount point.
  step('bind rootfs', () => wrap('bind rootfs', () => sys.mount(rootfs, rootfs, null, MS_BIND | MS_REC, null)));

  let mountinfo = options.mountinfo;
  const ctx: MountContext = {
    sys,
    spec,
    rootfs,
    bundle: options.bundle,
    cgroupPaths: options.cgroupPaths ?? {},
    mountinfo: () => (mountinfo ??= fs.readFileSync('/proc/self/mountinfo', 'utf8')),
  };
  for (const m of spec.mounts ?? []) {
    step(`mount ${containerPath(m.destination)}`, () => mountToRootfs(ctx, m));
  }

  if (needsDevSetup(spec)) setupDev({ sys, spec, rootfs, step });
}

/**
 * The mount the rootfs sits on must not be shared: pivot_root refuses that, and our bind
 * of the rootfs would propagate to the host. Walk up from the rootfs to the first mount
 * point (mount(2) answers EINVAL for a directory that is not one) and make it private,
 * or a slave when the root is one (runc rootfsParentMountPrivate).
 */
function setParentPropagation(sys: Sys, rootfs: string, rootFlags: number): void {
  const flags = (rootFlags & MS_SLAVE) !== 0 ? MS_SLAVE : MS_PRIVATE;
  for (let dir = rootfs; ; dir = path.dirname(dir)) {
    try {
      sys.mount(null, dir, null, flags, null);
      return;
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== 'EINVAL' || dir === '/') throw err;
    }
  }
}
