/**
 * cgroup v1 freezer: `freezer.state` reads THAWED, FREEZING or FROZEN. Freezing is asynchronous: write FROZEN,
 * then poll until the state says FROZEN (runc fs/freezer.go re-writes FROZEN while it waits, since a task that
 * forks during freezing can leave the cgroup in FREEZING).
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { sleepSync } from '../../sleep.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';

export type FreezerState = 'THAWED' | 'FREEZING' | 'FROZEN';

export function readV1FreezerState(fs: CgroupFs, dir: string): FreezerState {
  const state = readCgroupFile(fs, dir, 'freezer.state').trim();
  if (state === 'THAWED' || state === 'FREEZING' || state === 'FROZEN') return state;
  throw new CgroupError(`read ${dir}/freezer.state: unexpected state ${JSON.stringify(state)}`);
}

/** Freeze or thaw; a freeze that does not settle within `timeoutMs` is undone and reported. */
export function setV1Frozen(fs: CgroupFs, dir: string, frozen: boolean, timeoutMs = 1000): void {
  if (!frozen) {
    writeCgroupFile(fs, dir, 'freezer.state', 'THAWED');
    return;
  }
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (attempt % 10 === 0) writeCgroupFile(fs, dir, 'freezer.state', 'FROZEN');
    const state = readV1FreezerState(fs, dir);
    if (state === 'FROZEN') return;
    if (Date.now() >= deadline) {
      writeCgroupFile(fs, dir, 'freezer.state', 'THAWED');
      throw new CgroupError(`freeze ${dir}: still ${state} after ${timeoutMs} ms`);
    }
    sleepSync(1);
  }
}
