/**
 * The few filesystem calls the cgroup manager makes, behind one small interface.
 *
 * The real implementation is plain Node `fs`, synchronous like the rest of the cgroup manager and the syscalls
 * around it. Unit tests pass a fake (test/fakes/fake-cgroupfs.ts) that behaves like cgroupfs on a temp dir
 * (control files appear on mkdir, rmdir refuses a cgroup with processes or children), which a plain directory
 * tree cannot do.
 * Every method throws Node's fs errors (with `err.code`); callers turn them into CgroupError.
 */
import * as fs from 'node:fs';

export interface CgroupFs {
  /** mkdir(2) of one directory; throws EEXIST when it is already there. */
  mkdir(path: string, mode: number): void;
  /** rmdir(2) of one directory. */
  rmdir(path: string): void;
  /** Whole file as text. */
  readFile(path: string): string;
  /**
   * Write `data` in a single write(2), without O_CREAT: cgroup control files exist or the write is an error
   * (a missing `cgroup.procs` means the cgroup is gone, and creating a regular file there would hide that).
   */
  writeFile(path: string, data: string): void;
  /** Names of the sub-directories (child cgroups) of `path`. */
  subdirectories(path: string): string[];
  /** Whether `path` exists and is a directory. */
  isDirectory(path: string): boolean;
}

export const nodeCgroupFs: CgroupFs = {
  mkdir(path, mode) {
    fs.mkdirSync(path, { mode });
  },
  rmdir(path) {
    fs.rmdirSync(path);
  },
  readFile(path) {
    return fs.readFileSync(path, 'utf8');
  },
  writeFile(path, data) {
    // O_TRUNC as runc does; cgroupfs ignores it, and it keeps the call valid on ordinary files.
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  },
  subdirectories(path) {
    return fs
      .readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  },
  isDirectory(path) {
    try {
      return fs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};
