/**
 * cgroup v1 cpuset: a new cpuset cgroup starts with empty `cpuset.cpus` and `cpuset.mems`, and the kernel
 * refuses to move a task into it until both are set. Like runc (`cpusetEnsureParent`/`copyIfNeeded`), fill every
 * empty level from its parent, walking up until a level that has values (the hierarchy root always does).
 * On cgroup v2 the effective cpuset is inherited, so there is nothing to do there.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';

/** Mounted with `-o noprefix` (old setups), the files are `cpus`/`mems`; find which names this hierarchy uses. */
function cpusetFileNames(fs: CgroupFs, dir: string): { cpus: string; mems: string } {
  try {
    fs.readFile(path.join(dir, 'cpuset.cpus'));
    return { cpus: 'cpuset.cpus', mems: 'cpuset.mems' };
  } catch {
    try {
      fs.readFile(path.join(dir, 'cpus'));
      return { cpus: 'cpus', mems: 'mems' };
    } catch {
      return { cpus: 'cpuset.cpus', mems: 'cpuset.mems' };
    }
  }
}

/** Make sure `dir` (an existing cpuset cgroup) has cpus and mems, copying from ancestors where empty. */
export function inheritCpuset(fs: CgroupFs, dir: string): void {
  const names = cpusetFileNames(fs, dir);
  const ensure = (current: string): void => {
    const cpus = readCgroupFile(fs, current, names.cpus).trim();
    const mems = readCgroupFile(fs, current, names.mems).trim();
    if (cpus !== '' && mems !== '') return;
    const parent = path.dirname(current);
    if (parent === current) throw new CgroupError(`cpuset: no ancestor of ${dir} has cpus and mems set`);
    ensure(parent);
    if (cpus === '') writeCgroupFile(fs, current, names.cpus, readCgroupFile(fs, parent, names.cpus).trim());
    if (mems === '') writeCgroupFile(fs, current, names.mems, readCgroupFile(fs, parent, names.mems).trim());
  };
  ensure(dir);
}

/** `linux.resources.cpu.cpus`/`mems` → cpuset.cpus/cpuset.mems (empty means "keep the inherited value"). */
export function applyV1Cpuset(fs: CgroupFs, dir: string, r: { cpu?: { cpus?: string; mems?: string } }): void {
  const names = cpusetFileNames(fs, dir);
  if (r.cpu?.cpus) writeCgroupFile(fs, dir, names.cpus, r.cpu.cpus);
  if (r.cpu?.mems) writeCgroupFile(fs, dir, names.mems, r.cpu.mems);
}
