// Every fd from `first` on is made close-on-exec before the container's process runs.
// close_range(first, ~0, CLOSE_RANGE_CLOEXEC) does it in one call, but it is Linux
// 5.11+ and younger than many seccomp profiles: where it is refused (ENOSYS, EINVAL
// for the flag on 5.9/5.10, EPERM from a filter) each fd /proc/self/fd lists gets
// FD_CLOEXEC instead.
import { readdirSync } from 'node:fs';
import { fromNodeError, SyscallError } from '../errors.js';

export interface FdSweepOps {
  closeRangeCloexec(first: number): void;
  /** The open fds (the listing's own fd may be among them, already closed). */
  listFds(): number[];
  setCloexec(fd: number): void;
}

const FALLBACK_ON = new Set(['ENOSYS', 'EINVAL', 'EPERM']);

export function cloexecFrom(first: number, ops: FdSweepOps): void {
  try {
    ops.closeRangeCloexec(first);
    return;
  } catch (err) {
    if (!(err instanceof SyscallError && FALLBACK_ON.has(err.code))) throw err;
  }
  for (const fd of ops.listFds()) {
    if (fd < first) continue;
    try {
      ops.setCloexec(fd);
    } catch (err) {
      if (err instanceof SyscallError && err.code === 'EBADF') continue; // the listing's own fd
      throw err;
    }
  }
}

/** The fds of this process, from /proc/self/fd. */
export function listOwnFds(proc = '/proc'): number[] {
  const dir = `${proc}/self/fd`;
  try {
    return readdirSync(dir).map(Number).filter((n) => Number.isInteger(n));
  } catch (err) {
    throw fromNodeError(err, 'readdir', dir);
  }
}
