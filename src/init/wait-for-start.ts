// The create/start barrier. The init opens exec.fifo for writing, which returns only
// once `start` has it open for reading; it then writes one byte. That open blocks, so
// it is made in a pool thread, and the main thread stays free for the signal handlers
// of a created container: no polling, and nothing to tear down before the execve (an
// inotify watch of the fifo would cost a grace period of the kernel's, 10-20 ms, at
// its close, on `start`'s path).
import { closeSync, writeSync, constants as fsc } from 'node:fs';
import { openatInPool } from '../../ffi/libc.js';
import { O_CLOEXEC } from '../../ffi/constants.js';

/** `procFd`: the host's /proc, through which the fifo (held at `fifoFd`) is reopened after pivot_root. */
export async function waitForStart(procFd: number, fifoFd: number): Promise<void> {
  const fd = await openatInPool(procFd, `self/fd/${fifoFd}`, fsc.O_WRONLY | O_CLOEXEC, 0, 'exec.fifo');
  writeSync(fd, '0');
  // The write end stays open, close-on-exec: it closes when the container's process
  // is exec'd, and that end of file tells `start` the process runs.
  closeSync(fifoFd);
}
