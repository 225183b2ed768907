// `start`: release a created container's init by reading exec.fifo, then run the
// poststart hooks.
import { closeSync, openSync, readSync, rmSync, constants as fsc } from 'node:fs';
import { RuntimeError, fromNodeError } from '../../errors.js';
import { pollReadable } from '../../../ffi/libc.js';
import { openProcess } from '../shared/process-exit.js';
import { runHooks } from '../../hooks/run-hooks.js';
import { hookState } from '../shared/oci-state.js';
import { withContainer, type Loaded } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';

export async function startContainer(ctx: RuntimeContext, id: string): Promise<void> {
  await withContainer(ctx, id, async (c) => {
    switch (c.status) {
      case 'created':
        break;
      case 'stopped':
        throw new RuntimeError('cannot start a container that has stopped');
      case 'running':
        throw new RuntimeError('cannot start an already running container');
      default:
        throw new RuntimeError(`cannot start a container in the ${c.status} state`);
    }
    ctx.log.step('read exec fifo', () => releaseInit(c));
    const { record } = c;
    // The spec: a failing poststart hook is logged as a warning; the container runs on.
    runHooks('poststart', record.config.hooks?.poststart, hookState(record, record.pid, 'running'), {
      warn: (msg) => ctx.log.warn(msg),
    });
  });
}

/**
 * Opens exec.fifo for reading (which lets the init's open complete) and waits for its
 * byte, then for the end of file that tells the container's process runs. Both waits
 * block in poll(2) on the fifo and a pidfd of the init, so an init that dies instead
 * ends them too.
 */
function releaseInit(c: Loaded): void {
  const { pid, pidStartTime } = c.record;
  const initFd = openProcess(pid, pidStartTime);
  let fd: number;
  try {
    fd = openSync(c.fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
  } catch (err) {
    if (initFd !== undefined) closeSync(initFd);
    throw fromNodeError(err, 'open', c.fifo);
  }
  try {
    const buf = Buffer.alloc(1);
    /** 1: a byte, 0: no writer (end of file), -1: a writer but nothing yet. */
    const read = (): number => {
      try {
        return readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw fromNodeError(err, 'read', c.fifo);
        return -1;
      }
    };
    // Until the init opens its end, a read finds no writer and returns nothing; poll
    // reports no hang-up before a writer has come.
    const waitFor = () => pollReadable(initFd === undefined ? [fd] : [fd, initFd], -1, c.fifo);
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
  rmSync(c.fifo, { force: true });
}
