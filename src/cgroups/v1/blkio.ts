/**
 * cgroup v1 blkio: weights and throttles. The weight files are `blkio.weight*` with CFQ and `blkio.bfq.weight*`
 * with BFQ (kernels ≥ 5.0 have only the latter); like runc, use whichever the cgroup has. Leaf weights exist only
 * with CFQ, so asking for one elsewhere fails with ENOENT, as under runc.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

function weightFiles(fs: CgroupFs, dir: string): { weight: string; device: string } {
  try {
    fs.readFile(path.join(dir, 'blkio.weight'));
    return { weight: 'blkio.weight', device: 'blkio.weight_device' };
  } catch {
    return { weight: 'blkio.bfq.weight', device: 'blkio.bfq.weight_device' };
  }
}

const THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

export function applyV1Blkio(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const b = r.blockIO;
  if (b === undefined) return;
  const files = weightFiles(fs, dir);
  if (b.weight) writeCgroupFile(fs, dir, files.weight, String(b.weight));
  if (b.leafWeight) writeCgroupFile(fs, dir, 'blkio.leaf_weight', String(b.leafWeight));
  for (const wd of b.weightDevice ?? []) {
    if (wd.weight) writeCgroupFile(fs, dir, files.device, `${wd.major}:${wd.minor} ${wd.weight}`);
    if (wd.leafWeight) writeCgroupFile(fs, dir, 'blkio.leaf_weight_device', `${wd.major}:${wd.minor} ${wd.leafWeight}`);
  }
  for (const [field, file] of THROTTLES) {
    for (const td of b[field] ?? []) writeCgroupFile(fs, dir, file, `${td.major}:${td.minor} ${td.rate}`);
  }
}
