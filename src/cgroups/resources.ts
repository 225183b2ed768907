/**
 * Apply `linux.resources` to a container's cgroups (runc's `Manager.Set` for the cgroupfs driver).
 *
 * - v1 and hybrid (runc's `fs` driver): each v1 controller in runc's order writes into its own directory. A
 *   controller the resources need but the host has not mounted is an error (`cannot set net_cls limit…`), one
 *   they do not need is passed over. `unified` is refused, as runc does without a pure v2 host; the cgroup2
 *   directory of a hybrid host only holds membership.
 * - v2 (`fs2`): the controllers are enabled on the levels above, then every step writes into the one
 *   directory, in runc's order, `unified` last so it can override converted values.
 *
 * Errors name the file and errno (`write /sys/fs/cgroup/memory/x/memory.limit_in_bytes: EINVAL`).
 */
import type { CgroupFs } from './cgroup-fs.js';
import { V1_CONTROLLERS, V2_STEPS } from './controllers.js';
import { CgroupError } from './errors.js';
import { type ApplyContext, type LinuxResources, warnKernelMemory } from './resource-values.js';
import { enableV2Controllers } from './v2/subtree.js';

export interface ApplyResourcesOptions {
  /** `linux.devices` of the config (runc's default device rules give way to listed paths). */
  configDevices?: readonly { path: string }[];
  /** Rootless: device controller errors are ignored, as runc does (it cannot work there). */
  rootless?: boolean;
  /** Where warnings go (default: dropped). */
  warn?: (message: string) => void;
}

/** What both versions do first: the shared context, and the kernel-memory warning. */
function startApply(r: LinuxResources, options: ApplyResourcesOptions): ApplyContext {
  const ctx: ApplyContext = { configDevices: options.configDevices, warn: options.warn ?? (() => {}) };
  warnKernelMemory(r, ctx);
  return ctx;
}

/** v1 and hybrid: every v1 controller in runc's order, each into its own directory of `paths`. */
export function applyV1Resources(
  fs: CgroupFs,
  paths: Readonly<Record<string, string>>,
  resources: LinuxResources | undefined,
  options: ApplyResourcesOptions = {},
): void {
  const r = resources ?? {};
  const ctx = startApply(r, options);
  if (Object.keys(r.unified ?? {}).length > 0) throw new CgroupError('invalid configuration: cannot use unified on cgroup v1');
  for (const [name, support] of V1_CONTROLLERS) {
    const dir = paths[name];
    // Rootless: the device cgroup cannot be configured (runc ignores it), whether or not it could be made.
    if (options.rootless && name === 'devices' && dir === undefined) continue;
    if (dir === undefined) {
      if (support.wants?.(r)) {
        throw new CgroupError(`cannot set ${name} limit: container could not join or create cgroup`);
      }
      continue;
    }
    try {
      support.apply?.(fs, dir, r, ctx);
    } catch (err) {
      if (options.rootless && name === 'devices') continue;
      throw err;
    }
  }
}

/** v2: the controllers enabled above `dir` (the cgroup2 directory), then every step into it. */
export function applyV2Resources(
  fs: CgroupFs,
  dir: string | undefined,
  resources: LinuxResources | undefined,
  options: ApplyResourcesOptions = {},
): void {
  const r = resources ?? {};
  const ctx = startApply(r, options);
  if (dir === undefined) {
    if (V2_STEPS.some(([name, s]) => !(options.rootless && name === 'devices') && s.wants?.(r))) throw new CgroupError('cannot set limits: the container has no cgroup2 directory');
    return;
  }
  enableV2Controllers(fs, dir);
  for (const [name, step] of V2_STEPS) {
    try {
      step.apply?.(fs, dir, r, ctx);
    } catch (err) {
      if (options.rootless && name === 'devices') continue;
      throw err;
    }
  }
}
