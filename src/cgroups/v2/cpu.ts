/**
 * cgroup v2 cpu: shares become `cpu.weight` (runc's mapping), quota/period become `cpu.max` (`max` for a
 * non-positive quota; the period is only written when set), burst `cpu.max.burst`, idle `cpu.idle`.
 * v2 has no RT bandwidth control; runc refuses RT settings there, and so do we.
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { writeCgroupFile } from '../files.js';
import { type LinuxResources, cpuSharesToWeight } from '../resource-values.js';

export function applyV2Cpu(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const c = r.cpu;
  if (c === undefined) return;
  if (c.realtimePeriod || c.realtimeRuntime) {
    throw new CgroupError('real-time cpu settings (realtimePeriod, realtimeRuntime) are not supported on cgroup v2');
  }
  const weight = cpuSharesToWeight(c.shares ?? 0);
  if (weight !== 0) writeCgroupFile(fs, dir, 'cpu.weight', String(weight));
  if (c.idle !== undefined) writeCgroupFile(fs, dir, 'cpu.idle', String(c.idle));
  if (c.quota || c.period) {
    let max = c.quota !== undefined && c.quota > 0 ? String(c.quota) : 'max';
    if (c.period) max += ` ${c.period}`;
    writeCgroupFile(fs, dir, 'cpu.max', max);
  }
  if (c.burst !== undefined) writeCgroupFile(fs, dir, 'cpu.max.burst', String(c.burst));
}
