/**
 * cgroup v1 memory, as runc's fs driver sets it: limit and memory+swap are written in the order that keeps the
 * kernel's "memsw >= limit" rule true at every step; kernel memory is ignored (runc 1.1); swappiness must be
 * 0..100; the OOM killer can only be disabled, never re-enabled (runc writes `1` and nothing else).
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

function fileExists(fs: CgroupFs, dir: string, file: string): boolean {
  try {
    fs.readFile(path.join(dir, file));
    return true;
  } catch {
    return false;
  }
}

/** A limit below what the cgroup uses fails with EBUSY; say how much it uses, as runc does. */
function writeLimit(fs: CgroupFs, dir: string, limit: number): void {
  if (limit === 0) return;
  try {
    writeCgroupFile(fs, dir, LIMIT, String(limit));
  } catch (err) {
    if (!(err instanceof CgroupError) || err.code !== 'EBUSY') throw err;
    let usage = '?';
    let peak = '?';
    try {
      usage = readCgroupFile(fs, dir, 'memory.usage_in_bytes').trim();
      peak = readCgroupFile(fs, dir, 'memory.max_usage_in_bytes').trim();
    } catch {
      // keep the question marks
    }
    throw new CgroupError(
      `${err.message} (unable to set memory limit to ${limit}: current usage ${usage}, peak usage ${peak})`,
      { code: err.code, op: err.op, path: err.path, cause: err },
    );
  }
}

function writeSwap(fs: CgroupFs, dir: string, swap: number): void {
  if (swap !== 0) writeCgroupFile(fs, dir, MEMSW, String(swap));
}

export function applyV1Memory(fs: CgroupFs, dir: string, r: LinuxResources): void {
  const m = r.memory;
  if (m === undefined) return;
  const limit = m.limit ?? 0;
  let swap = m.swap ?? 0;
  // "Unlimited memory" with swap unset means unlimited swap too, when the kernel has swap accounting.
  if (limit === -1 && swap === 0 && fileExists(fs, dir, MEMSW)) swap = -1;
  let done = false;
  if (limit !== 0 && swap !== 0) {
    const current = Number(readCgroupFile(fs, dir, LIMIT).trim());
    // Raising: memsw first, or the new limit would exceed the old memsw. Lowering: limit first.
    if (swap === -1 || current < swap) {
      writeSwap(fs, dir, swap);
      writeLimit(fs, dir, limit);
      done = true;
    }
  }
  if (!done) {
    writeLimit(fs, dir, limit);
    writeSwap(fs, dir, swap);
  }
  if (m.reservation) writeCgroupFile(fs, dir, 'memory.soft_limit_in_bytes', String(m.reservation));
  if (m.disableOOMKiller) writeCgroupFile(fs, dir, 'memory.oom_control', '1');
  if (m.swappiness !== undefined) {
    if (m.swappiness > 100) {
      throw new CgroupError(`invalid memory swappiness value: ${m.swappiness} (valid range is 0-100)`);
    }
    writeCgroupFile(fs, dir, 'memory.swappiness', String(m.swappiness));
  }
}
