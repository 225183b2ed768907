// exec.fifo, the container's start gate: `create` makes it, the init opens it for
// writing and blocks, `start` reads its byte to release the init.
import { chmodSync, chownSync, closeSync, openSync, readSync, rmSync, constants as fsc } from 'node:fs';
import { mkfifo, pollReadable } from '../../../ffi/libc.js';
import { O_PATH } from '../../../ffi/constants.js';
import { RuntimeError, fromNodeError } from '../../errors.js';
import { openProcess } from './process-exit.js';
import type { ContainerRecord } from '../../state/record.js';

/**
 * Makes the fifo at `path` and returns an O_PATH fd of it, for the init to inherit.
 * `owner`: the host ids of the container's root in a new user namespace, made the
 * fifo's owner.
 */
export function makeExecFifo(path: string, owner?: { uid: number; gid: number }): number {
  mkfifo(path, 0o622);
  // Not our umask's: the init opens it for writing after dropping to the container's user.
  try {
    chmodSync(path, 0o622);
    if (owner) chownSync(path, owner.uid, owner.gid);
    return openSync(path, O_PATH);
  } catch (err) {
    throw fromNodeError(err, undefined, path);
  }
}

/**
 * Opens exefifo for reading (which lets the init's open complete) and waits for its
 * byte, then for the end of file that tells the container's process runs. Both waits
 * block in poll(2) on the fifo and a pidfd of the init, so an init that dies instead
 * ends them too.
 */
export function releaseInit(record: ContainerRecord, fifo: string): void {
  const { pid, pidStartTime } = record;
  const initFd = openProcess(pid, pidStartTime);
  let fd: number;
  try {
    fd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (err) {
    if (initFd !== undefined) closeSync(initFd);
    throw fromNodeError(err, 'open', fifo);
  }
  try {
    const buf = Buffer.alloc(1);
    /** 1: a byte, 0: no writer (end of file), -1: a writer but nothing yet. */
    const read = (): number => {
      try {
        return readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw fromNodeError(err, 'read', fifo);
        return -1;
      }
    };
    // Until the init opens its end, a read finds no writer and returns nothing; poll
    // reports no hang-up before a writer has come.
    const waitFor = () => pollReadable(initFd === undefined ? [fd] : [fd, initFd], -1, fifo);
    while (read() !== 1) {
      if (initFd === undefined || waitFor().includes(initFd)) {
        // A short-lived process may have been released, run and exited before our
        // read: its byte is still in the fifo.
        if (read() === 1) break;
        throw new RuntimeError('container init exited before start: exec fifo is empty');
      }
    }
    // The init keeps its end open until it execs the container's process (the fd is
    // close-on-exec): end of file means the process runs, so poststart may follow.
    while (read() !== 0) {
      if (initFd === undefined) waitFor();
      else if (waitFor().includes(initFd) && read() !== 0) break; // the init is gone, and its end with it
    }
  } finally {
    closeSync(fd);
    if (initFd !== undefined) closeSync(initFd);
  }
  rmSync(fifo, { force: true });
}
