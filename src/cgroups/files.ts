/** Reading and writing cgroup control files, with errors that name the file and the errno. */
import * as path from 'node:path/posix';

import type { CgroupFs } from './cgroup-fs.js';
import { fsError } from './errors.js';

export function readCgroupFile(fs: CgroupFs, dir: string, file: string): string {
  const full = path.join(dir, file);
  try {
    return fs.readFile(full);
  } catch (err) {
    throw fsError('read', full, err);
  }
}

export function writeCgroupFile(fs: CgroupFs, dir: string, file: string, data: string): void {
  const full = path.join(dir, file);
  try {
    fs.writeFile(full, data);
  } catch (err) {
    throw fsError('write', full, err);
  }
}

/** The pids listed in a `cgroup.procs` text (one per line). */
export function parsePidList(text: string): number[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}
