/** cgroup v2 hugetlb: `hugetlb.<size>.max`, and `.rsvd.max` beside it when the kernel has it (runc). */
import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

export function applyV2Hugetlb(fs: CgroupFs, dir: string, r: LinuxResources): void {
  let rsvd = true;
  for (const h of r.hugepageLimits ?? []) {
    writeCgroupFile(fs, dir, `hugetlb.${h.pageSize}.max`, String(h.limit));
    if (!rsvd) continue;
    try {
      writeCgroupFile(fs, dir, `hugetlb.${h.pageSize}.rsvd.max`, String(h.limit));
    } catch (err) {
      if (!(err instanceof CgroupError) || err.code !== 'ENOENT') throw err;
      rsvd = false;
    }
  }
}
