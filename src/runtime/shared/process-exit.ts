// Waiting for a container process to exit without polling: a pidfd turns readable
// when the process exits, and poll(2) blocks on it (with other fds when asked).
import { closeSync } from 'node:fs';
import { pidfdOpen, pollReadable } from '../../../ffi/libc.js';
import { SyscallError } from '../../errors.js';
import { isSameLiveProcess } from '../../state/procfs.js';

/**
 * A pidfd of the process `pid` that started at `startTime`, or undefined when that
 * process is gone (exited, a zombie, or its pid reused). The identity is checked after
 * the open, so the fd cannot name a newer process with the same pid.
 */
export function openProcess(pid: number, startTime: string): number | undefined {
  if (!(pid > 0)) return undefined;
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ESRCH') return undefined;
    throw err;
  }
  if (isSameLiveProcess(pid, startTime)) return fd;
  closeSync(fd);
  return undefined;
}

/** Blocks until the process has exited (true) or `timeoutMs` has passed (false). */
export function waitForExit(pid: number, startTime: string, timeoutMs: number): boolean {
  const fd = openProcess(pid, startTime);
  if (fd === undefined) return true;
  try {
    return pollReadable([fd], timeoutMs, `pidfd of ${pid}`).length > 0;
  } finally {
    closeSync(fd);
  }
}
