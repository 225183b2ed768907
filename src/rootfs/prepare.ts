// Building the container's filesystem view before pivot_root (runc prepareRoot +
// the mount loop of prepareRootfs + /dev setup). Runs in the init, in its new mount
// namespace, with host paths.
import * as fs from 'node:fs';
import { MS_BIND, MS_PRIVATE, MS_REC } from '../../ffi/constants.js';
import { RuntimeError, fromNodeError, withContext, wrap } from '../errors.js';
import { parseMountinfo, readOwnMountinfo } from '../linux/mountinfo.js';
import type { Sys } from '../syscall/sys.js';
import { setupDev } from './devices.js';
import type { MountContext } from './mount-ops.js';
import { mountToRootfs } from './mounts.js';
import { isWithin } from './secure-path.js';
import { hasNamespace } from '../plan/namespaces.js';
import type { ContainerPlan } from '../plan/types.js';
import { runStep, type Step } from '../step.js';

/** The parts of the plan that build the rootfs. */
export type RootfsPlan = Pick<ContainerPlan, 'root' | 'mounts' | 'namespaces' | 'dev'>;

export interface PrepareOptions {
  plan: RootfsPlan;
  /** The container's cgroup directory per controller (`''` for cgroup2), for the `cgroup` mount. */
  cgroupPaths?: Record<string, string>;
  step?: Step;
  /** Text of /proc/self/mountinfo, for tests (read from the kernel when needed). */
  mountinfo?: string;
  /** The detached, id-mapped copy of each id-mapped mount's source, by mount index. */
  mountSources?: ReadonlyMap<number, number>;
}

export function prepareRootfs(sys: Sys, options: PrepareOptions): void {
  const { plan } = options;
  const step = options.step ?? runStep;
  let rootfs: string;
  try {
    rootfs = fs.realpathSync.native(plan.root.path);
  } catch (err) {
    throw withContext('rootfs', fromNodeError(err, 'realpath', plan.root.path));
  }

  // The propagation of `/` (src/plan/root.ts); unset without a mount namespace of our own:
  // the host's is not ours to change (its mounts are undone by delete, host-mounts.ts).
  const rootFlags = plan.root.propagation;
  if (rootFlags !== undefined) {
    step('root propagation', () => wrap('set / propagation', () => sys.mount(null, '/', null, rootFlags, null)));
    step('rootfs parent propagation', () =>
      wrap('set rootfs parent mount propagation', () =>
        makeParentPrivate(sys, rootfs, options.mountinfo ?? readOwnMountinfo())));
  }
  // pivot_root needs the new root to be a mount point; and a read-only rootfs is a
  // remount of this bind, never of the filesystem it sits on.
  step('bind rootfs', () => wrap('bind rootfs', () => sys.mount(rootfs, rootfs, null, MS_BIND | MS_REC, null)));

  let mountinfo = options.mountinfo;
  const ctx: MountContext = {
    sys,
    rootfs,
    cgroupNamespace: hasNamespace(plan.namespaces, 'cgroup'),
    cgroupPaths: options.cgroupPaths ?? {},
    mountinfo: () => (mountinfo ??= readOwnMountinfo()),
  };
  plan.mounts.forEach((m, i) => {
    step(`mount ${m.destination}`, () => mountToRootfs(ctx, m, options.mountSources?.get(i)));
  });

  if (plan.dev.setup) setupDev({ sys, dev: plan.dev, rootfs, step });
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
  for (const entry of parseMountinfo(mountinfo)) {
    const { mountPoint } = entry;
    if (!isWithin(mountPoint, dir) || (best !== undefined && mountPoint.length < best.mountPoint.length)) continue;
    best = { mountPoint, shared: entry.shared !== undefined };
  }
  return best;
}
