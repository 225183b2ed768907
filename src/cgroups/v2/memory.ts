/**
 * cgroup v2 memory, runc's fs2 conversions: `memory.max` = limit, `memory.low` = reservation,
 * `memory.swap.max` = swap − limit (v1's memory+swap total turned into swap alone; -1 → `max`). Kernel memory,
 * swappiness and the OOM-killer switch have no v2 file; runc ignores them (and so do we, after its warning for
 * kernel memory). With checkBeforeUpdate a limit at or below the current usage is refused instead of letting
 * the kernel reclaim or OOM-kill.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { writeCgroupFile } from '../files.js';
import { type LinuxResources, memorySwapToV2, v2Number } from '../resource-values.js';

function checkUsage(fs: CgroupFs, dir: string, limit: number): void {
  if (limit <= 0) return;
  let usage: number;
  try {
    usage = Number(fs.readFile(path.join(dir, 'memory.current')).trim());
  } catch {
    return; // best effort, as runc: no usage to compare with
  }
  if (usage >= limit) throw new CgroupError(`rejecting memory limit ${limit} below current usage ${usage}`);
}

export function applyV2Memory(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const m = r.memory;
  if (m === undefined || !(m.limit || m.swap || m.reservation)) return;
  const limit = m.limit ?? 0;
  const swap = m.swap ?? 0;
  if (m.checkBeforeUpdate) checkUsage(fs, dir, limit);
  const swapMax = memorySwapToV2(swap, limit);
  // swap equal to the limit means "no swap": 0, which v2Number would drop as "unset".
  const swapText = swapMax === 0 && swap > 0 ? '0' : v2Number(swapMax);
  if (swapText !== undefined) {
    try {
      writeCgroupFile(fs, dir, 'memory.swap.max', swapText);
    } catch (err) {
      // No swap accounting: asking for unlimited or no swap is then already true.
      if (!(err instanceof CgroupError && err.code === 'ENOENT' && (swapText === 'max' || swapText === '0'))) throw err;
    }
  }
  const max = v2Number(limit);
  if (max !== undefined) writeCgroupFile(fs, dir, 'memory.max', max);
  const low = v2Number(m.reservation);
  if (low !== undefined) writeCgroupFile(fs, dir, 'memory.low', low);
}
