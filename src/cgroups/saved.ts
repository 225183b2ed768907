/**
 * The form in which a state file keeps a container's cgroup, and its check when read back. Kept apart from the
 * manager so that reading the status checks it without loading the drivers.
 */
import * as path from 'node:path/posix';

import { CgroupError } from './errors.js';
import type { CgroupMode } from './layout.js';

/** What the state file stores; `loadCgroupManager` takes it back. */
export interface SavedCgroupManager {
  version: 1;
  mode: CgroupMode;
  /** Controller (`cpu`, `name=systemd`…) or `''` for the cgroup2 directory → absolute directory. */
  paths: Record<string, string>;
}

const MODES: readonly CgroupMode[] = ['unified', 'legacy', 'hybrid'];

/** `saved` as a SavedCgroupManager, or a CgroupError naming what is wrong with it. */
export function checkSavedCgroup(saved: unknown): SavedCgroupManager {
  const s = saved as Partial<SavedCgroupManager> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1) {
    throw new CgroupError('saved cgroup state: unknown format (expected version 1)');
  }
  if (typeof s.mode !== 'string' || !MODES.includes(s.mode)) {
    throw new CgroupError(`saved cgroup state: unknown mode ${JSON.stringify(s.mode)}`);
  }
  if (s.paths === null || typeof s.paths !== 'object') throw new CgroupError('saved cgroup state: paths missing');
  for (const [key, dir] of Object.entries(s.paths)) {
    if (typeof dir !== 'string' || !path.isAbsolute(dir) || path.normalize(dir) !== dir) {
      throw new CgroupError(`saved cgroup state: path of ${JSON.stringify(key)} is not a clean absolute path`);
    }
  }
  return s as SavedCgroupManager;
}
