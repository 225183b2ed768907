/** rdma (same file on v1 and v2): one `rdma.max` line per device, naming only the limits that are set. */
import type { CgroupFs } from './cgroup-fs.js';
import { writeCgroupFile } from './files.js';
import type { LinuxResources } from './resource-values.js';

export function applyRdma(fs: CgroupFs, dir: string, r: LinuxResources): void {
  for (const [device, limits] of Object.entries(r.rdma ?? {})) {
    let line = device;
    if (limits.hcaHandles !== undefined) line += ` hca_handle=${limits.hcaHandles}`;
    if (limits.hcaObjects !== undefined) line += ` hca_object=${limits.hcaObjects}`;
    writeCgroupFile(fs, dir, 'rdma.max', line);
  }
}
