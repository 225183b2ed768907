/**
 * cgroup v2 devices. v2 has no device files: access is filtered by an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
 * built from the rule list (device-filter.ts) and attached to the container's cgroup2 directory
 * (device-filter-attach.ts). On create this runs before any process joins the cgroup; on update the new
 * program takes the old one's place. A list that allows everything still gets its (trivial) program, so that
 * an update to allow-all replaces a restricting one.
 */
import type { CgroupFs } from '../cgroup-fs.js';
import type { DeviceRule } from '../device-rules.js';
import { replaceDeviceFilter } from './device-filter-attach.js';
import { deviceFilterBytes } from './device-filter.js';

/**
 * Where the program goes. The real cgroupfs attaches it with bpf(2); a test double of CgroupFs (whose
 * directories are not cgroup2 ones) may implement this to receive it instead.
 */
export interface DeviceFilterTarget {
  replaceDeviceFilter(dir: string, program: Buffer): void;
}

function hasDeviceFilterTarget(fs: CgroupFs): fs is CgroupFs & DeviceFilterTarget {
  return typeof (fs as Partial<DeviceFilterTarget>).replaceDeviceFilter === 'function';
}

export function applyV2Devices(fs: CgroupFs, dir: string, rules: readonly DeviceRule[]): void {
  const program = deviceFilterBytes(rules);
  if (hasDeviceFilterTarget(fs)) fs.replaceDeviceFilter(dir, program);
  else replaceDeviceFilter(dir, program);
}
