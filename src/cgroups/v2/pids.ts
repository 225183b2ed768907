/** cgroup v2 pids: `pids.max`; 0 is "not set", a negative limit is `max`. */
import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV2Pids(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const limit = r.pids?.limit ?? 0;
  if (limit !== 0) writeCgroupFile(fs, dir, 'pids.max', limit > 0 ? String(limit) : 'max');
}
