// Building the container's filesystem view before pivot_root (runc prepareRoot +
// the mount loop of prepareRootfs + /dev setup). Runs in the init, in its new mount
// namespace, with host paths.
import * as fs from 'node:fs';
import { MS_BIND, MS_PRIVATE, MS_REC, MS_UNBINDABLE } from '../../ffi/constants.js';
import { RuntimeError, fromNodeError, withContext, wrap } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import { needsDevSetup, setupDev } from './devices.js';
import { DEFAULT_ROOT_PROPAGATION, rootfsPropagationFlags } from './mount-flags.js';
import type { MountContext } from './mount-ops.js';
import { mountToRootfs } from './mounts.js';
import { containerPath, isWithin } from './secure-path.js';
import type { RootfsSpec } from './types.js';
import { hasNamespace } from '../namespaces.js';
import { runStep, type Step } from '../step.js';

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
  // Like runc, the value applies to the namespace's `/` before the rootfs is bound, so with
  // shared/slave the new `/` usually ends up private (its shared parent is made private). unbindable waits
  // for the new `/` (finalizeRootfs): from under an unbindable `/` the rootfs could not be bound.
  // Without a mount namespace of its own the container works in the host's: the host's
  // propagation is not ours to change (its mounts are undone by delete, host-mounts.ts).
  if (hasNamespace(spec, 'mount')) {
    const requested = rootfsPropagationFlags(spec.linux?.rootfsPropagation);
    const rootFlags = requested === undefined || (requested & MS_UNBINDABLE) !== 0 ? DEFAULT_ROOT_PROPAGATION : requested;
    step('root propagation', () => wrap('set / propagation', () => sys.mount(null, '/', null, rootFlags, null)));
    step('rootfs parent propagation', () =>
      wrap('set rootfs parent mount propagation', () =>
        makeParentPrivate(sys, rootfs, options.mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8'))));
  }
  // pivot_root needs the new root to be a mount point; and a read-only rootfs is a
  // remount of this bind, never of the filesystem it sits on.
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
 * of the rootfs would propagate to the host. A shared one is made private; a slave stays
 * a slave, so host mounts still reach the container (runc rootfsParentMountPrivate).
 */
function makeParentPrivate(sys: Sys, rootfs: string, mountinfo: string): void {
  const parent = mountHolding(mountinfo, rootfs);
  if (parent === undefined) throw new RuntimeError(`no mount holds ${rootfs} in /proc/self/mountinfo`);
  if (parent.shared) sys.mount(null, parent.mountPoint, null, MS_PRIVATE, null);
}

/** The mount whose mount point is the deepest one holding `dir` (the top-most if stacked). */
export function mountHolding(mountinfo: string, dir: string): { mountPoint: string; shared: boolean } | undefined {
  let best: { mountPoint: string; shared: boolean } | undefined;
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    if (separator < 0) continue;
    const mountPoint = fields[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (!isWithin(mountPoint, dir) || (best !== undefined && mountPoint.length < best.mountPoint.length)) continue;
    best = { mountPoint, shared: fields.slice(6, separator).some((f) => f.startsWith('shared:')) };
  }
  return best;
}
