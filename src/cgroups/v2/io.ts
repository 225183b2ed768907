/**
 * cgroup v2 io. Weights: with the BFQ scheduler the cgroup has `io.bfq.weight`, which takes blkio's 10..1000
 * scale and per-device lines as they are; without it the weight is converted to `io.weight`'s 1..10000 scale
 * and per-device weights cannot be set (runc skips them). Throttles are `io.max` lines `maj:min rbps=N`.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { writeCgroupFile } from '../files.js';
import { type LinuxResources, blkioWeightToIoWeight } from '../resource-values.js';

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

export function applyV2Io(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const b = r.blockIO;
  if (b === undefined) return;
  let bfq = false;
  if (b.weight || (b.weightDevice ?? []).length > 0) {
    try {
      fs.readFile(path.join(dir, 'io.bfq.weight'));
      bfq = true;
    } catch {
      bfq = false;
    }
  }
  if (b.weight) {
    if (bfq) writeCgroupFile(fs, dir, 'io.bfq.weight', String(b.weight));
    else writeCgroupFile(fs, dir, 'io.weight', String(blkioWeightToIoWeight(b.weight)));
  }
  if (bfq) {
    for (const wd of b.weightDevice ?? []) {
      if (wd.weight) writeCgroupFile(fs, dir, 'io.bfq.weight', `${wd.major}:${wd.minor} ${wd.weight}`);
    }
  }
  for (const [field, key] of THROTTLES) {
    for (const td of b[field] ?? []) writeCgroupFile(fs, dir, 'io.max', `${td.major}:${td.minor} ${key}=${td.rate}`);
  }
}
