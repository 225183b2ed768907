/** cgroup v1 net_prio: one `ifname priority` line per interface. */
import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV1NetPrio(fs: CgroupFs, dir: string, r: LinuxResources): void {
  for (const p of r.network?.priorities ?? []) writeCgroupFile(fs, dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
}
