/**
 * cgroup v1 cpu (CFS and RT bandwidth), as runc's fs driver: shares are read back because the kernel clamps
 * them silently (2..262144) and runc reports the clamp as an error; a period the kernel refuses (EINVAL when
 * old quota / new period exceeds the parent) is retried after the quota when a quota is being set too.
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

/** RT bandwidth: runc sets it before the first process joins as well, so keep it callable on its own. */
export function applyV1CpuRt(fs: CgroupFs, dir: string, r: LinuxResources): void {
  if (r.cpu?.realtimePeriod) writeCgroupFile(fs, dir, 'cpu.rt_period_us', String(r.cpu.realtimePeriod));
  if (r.cpu?.realtimeRuntime) writeCgroupFile(fs, dir, 'cpu.rt_runtime_us', String(r.cpu.realtimeRuntime));
}

export function applyV1Cpu(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const c = r.cpu;
  if (c === undefined) return;
  if (c.shares) {
    writeCgroupFile(fs, dir, 'cpu.shares', String(c.shares));
    const read = Number(readCgroupFile(fs, dir, 'cpu.shares').trim());
    if (c.shares > read) throw new CgroupError(`the maximum allowed cpu-shares is ${read}`);
    if (c.shares < read) throw new CgroupError(`the minimum allowed cpu-shares is ${read}`);
  }
  let pendingPeriod: string | undefined;
  if (c.period) {
    try {
      writeCgroupFile(fs, dir, 'cpu.cfs_period_us', String(c.period));
    } catch (err) {
      if (!(err instanceof CgroupError) || err.code !== 'EINVAL' || !c.quota) throw err;
      pendingPeriod = String(c.period);
    }
  }
  if (c.quota) {
    writeCgroupFile(fs, dir, 'cpu.cfs_quota_us', String(c.quota));
    if (pendingPeriod !== undefined) writeCgroupFile(fs, dir, 'cpu.cfs_period_us', pendingPeriod);
  }
  if (c.burst !== undefined) writeCgroupFile(fs, dir, 'cpu.cfs_burst_us', String(c.burst));
  if (c.idle !== undefined) writeCgroupFile(fs, dir, 'cpu.idle', String(c.idle));
  applyV1CpuRt(fs, dir, r);
}
