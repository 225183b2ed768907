/** cgroup v1 net_cls: the class id tagged on the container's packets (0 = not set). */
import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV1NetCls(fs: CgroupFs, dir: string, r: LinuxResources): void {
  if (r.network?.classID) writeCgroupFile(fs, dir, 'net_cls.classid', String(r.network.classID));
}
