/**
 * cgroup v2 freezer: `cgroup.freeze` holds the wanted state (0/1); `cgroup.events` has `frozen 1` once every task
 * is actually stopped. The hierarchy root has neither file and cannot be frozen.
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { sleepSync } from '../../sleep.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';

/** Value of a `key value` line of a flat-keyed cgroup file such as `cgroup.events`. */
function flatKey(text: string, key: string): string | undefined {
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key) return v;
  }
  return undefined;
}

/** Frozen or being frozen: the freeze was asked for (`cgroup.freeze` 1) or has taken effect (`frozen 1`). */
export function isV2Frozen(fs: CgroupFs, dir: string): boolean {
  if (readCgroupFile(fs, dir, 'cgroup.freeze').trim() === '1') return true;
  return flatKey(readCgroupFile(fs, dir, 'cgroup.events'), 'frozen') === '1';
}

/** Freeze or thaw, waiting up to `timeoutMs` for `cgroup.events` to agree. */
export function setV2Frozen(fs: CgroupFs, dir: string, frozen: boolean, timeoutMs = 1000): void {
  writeCgroupFile(fs, dir, 'cgroup.freeze', frozen ? '1' : '0');
  const want = frozen ? '1' : '0';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (flatKey(readCgroupFile(fs, dir, 'cgroup.events'), 'frozen') === want) return;
    if (Date.now() >= deadline) {
      if (frozen) writeCgroupFile(fs, dir, 'cgroup.freeze', '0');
      throw new CgroupError(
        `${frozen ? 'freeze' : 'thaw'} ${dir}: cgroup.events did not report frozen ${want} after ${timeoutMs} ms`,
      );
    }
    sleepSync(1);
  }
}
