// The create/start barrier. The init opens exec.fifo for writing, which succeeds
// only once `start` has it open for reading; it then writes one byte. A blocking
// open(2) would hold the main thread, where the signal handlers of a created
// container must run; so the open is non-blocking, and between tries the init waits
// for the fifo's next open (inotify IN_OPEN, read asynchronously): no polling.
import { closeSync, read, writeSync, constants as fsc } from 'node:fs';
import { inotifyWatch, openat } from '../../ffi/libc.js';
import { O_CLOEXEC } from '../../ffi/constants.js';
import { SyscallError } from '../errors.js';

const IN_OPEN = 0x20;

/** Watches exec.fifo (held at `fifoFd`) for opens; call it while /proc is the host's. */
export function watchFifo(fifoFd: number): number {
  return inotifyWatch(`/proc/self/fd/${fifoFd}`, IN_OPEN);
}

/** Resolves at the next event on the inotify fd. */
function nextEvent(inotifyFd: number): Promise<void> {
  const buf = Buffer.alloc(4096);
  return new Promise((resolve, reject) => read(inotifyFd, buf, 0, buf.length, null, (err) => (err ? reject(err) : resolve())));
}

export async function waitForStart(procFd: number, fifoFd: number, inotifyFd: number): Promise<void> {
  const path = `self/fd/${fifoFd}`;
  for (;;) {
    let fd: number;
    try {
      fd = openat(procFd, path, fsc.O_WRONLY | fsc.O_NONBLOCK | O_CLOEXEC, 0, 'exec.fifo');
    } catch (err) {
      // No reader yet: wait until someone opens the fifo (`start`, or our own tries).
      if (err instanceof SyscallError && err.code === 'ENXIO') {
        await nextEvent(inotifyFd);
        continue;
      }
      throw err;
    }
    writeSync(fd, '0');
    // The write end stays open, close-on-exec: it closes when the container's
    // process is exec'd, and that end of file tells `start` the process runs.
    closeSync(fifoFd);
    closeSync(inotifyFd);
    return;
  }
}
