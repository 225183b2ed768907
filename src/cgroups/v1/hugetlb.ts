/**
 * cgroup v1 hugetlb: `hugetlb.<size>.limit_in_bytes`, and the reservation limit `.rsvd.` beside it when the
 * kernel has one (5.7+), set to the same value as runc does.
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV1Hugetlb(fs: CgroupFs, dir: string, r: LinuxResources): void {
  let rsvd = true;
  for (const h of r.hugepageLimits ?? []) {
    const prefix = `hugetlb.${h.pageSize}`;
    writeCgroupFile(fs, dir, `${prefix}.limit_in_bytes`, String(h.limit));
    if (!rsvd) continue;
    try {
      writeCgroupFile(fs, dir, `${prefix}.rsvd.limit_in_bytes`, String(h.limit));
    } catch (err) {
      if (!(err instanceof CgroupError) || err.code !== 'ENOENT') throw err;
      rsvd = false;
    }
  }
}
