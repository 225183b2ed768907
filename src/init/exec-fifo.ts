// The create/start barrier. The init opens exec.fifo for writing, which succeeds
// only once `start` has it open for reading; it then writes one byte. We poll with a
// non-blocking open rather than block in open(2), so the event loop stays free to
// run signal handlers while the container waits in `created`.
import { closeSync, writeSync, constants as fsc } from 'node:fs';
import { openat } from '../../ffi/libc.js';
import { O_CLOEXEC } from '../../ffi/constants.js';
import { SyscallError } from '../errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForStart(procFd: number, fifoFd: number): Promise<void> {
  const path = `self/fd/${fifoFd}`;
  const t0 = Date.now();
  for (;;) {
    let fd: number;
    try {
      fd = openat(procFd, path, fsc.O_WRONLY | fsc.O_NONBLOCK | O_CLOEXEC, 0, 'exec.fifo');
    } catch (err) {
      if (err instanceof SyscallError && err.code === 'ENXIO') {
        // No reader yet: poll fast right after create (run, scripted create+start), then slower.
        await sleep(Date.now() - t0 < 2000 ? 1 : 20);
        continue;
      }
      throw err;
    }
    writeSync(fd, '0');
    // The write end stays open, close-on-exec: it closes when the container's
    // process is exec'd, and that end of file tells `start` the process runs.
    closeSync(fifoFd);
    return;
  }
}
