/** cgroup v2 cpuset: `cpuset.cpus` and `cpuset.mems` when set (empty means inherit). */
import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV2Cpuset(fs: CgroupFs, dir: string, r: LinuxResources): void {
  if (r.cpu?.cpus) writeCgroupFile(fs, dir, 'cpuset.cpus', r.cpu.cpus);
  if (r.cpu?.mems) writeCgroupFile(fs, dir, 'cpuset.mems', r.cpu.mems);
}
