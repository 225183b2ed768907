// The exclusive lock a command holds on a container's directory while it reads and
// changes the container: flock(2), which has no plain-fs form, so this module is the
// state code's one user of Koffi and is loaded only by commands that lock.
import { closeSync, fstatSync, openSync, constants as fsc } from 'node:fs';
import { flock } from '../../ffi/libc.js';
import { fromNodeError } from '../errors.js';

const LOCK_EX = 2;
const LOCK_UN = 8;

/** An exclusive flock on a container directory, held until release(). */
export class ContainerLock {
  private constructor(readonly dir: string, private fd: number) {}

  static acquire(dir: string): ContainerLock {
    let fd: number;
    try {
      fd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY | 0o2000000 /* O_CLOEXEC */);
    } catch (err) {
      throw fromNodeError(err, 'open', dir);
    }
    try {
      flock(fd, LOCK_EX, dir);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new ContainerLock(dir, fd);
  }

  /** The same held lock, for the directory's new path after a rename. */
  movedTo(dir: string): ContainerLock {
    const moved = new ContainerLock(dir, this.fd);
    this.fd = -1;
    return moved;
  }

  /** The directory was deleted (by a `delete` we waited for). */
  removed(): boolean {
    return fstatSync(this.fd).nlink === 0;
  }

  release(): void {
    if (this.fd < 0) return;
    try { flock(this.fd, LOCK_UN, this.dir); } catch { /* closing releases it anyway */ }
    closeSync(this.fd);
    this.fd = -1;
  }
}
