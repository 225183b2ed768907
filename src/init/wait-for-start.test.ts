import t from 'tap';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, constants as fsc } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfifo } from '../../ffi/libc.js';
import { O_PATH } from '../../ffi/constants.js';
import { waitForStart, watchFifo } from './wait-for-start.js';

t.test('the init waits for start on exec.fifo without polling, then writes its byte', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'exec.fifo');
  mkfifo(fifo, 0o622);
  const fifoFd = openSync(fifo, O_PATH);
  const procFd = openSync('/proc', O_PATH | fsc.O_DIRECTORY);
  t.teardown(() => closeSync(procFd));
  const watch = watchFifo(fifoFd);
  let released = false;
  const waiting = waitForStart(procFd, fifoFd, watch).then(() => { released = true; });
  await new Promise((r) => setTimeout(r, 200));
  t.equal(released, false, 'no reader: still waiting');
  // `start`: open for reading, which wakes the init through inotify.
  const reader = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  await waiting;
  const buf = Buffer.alloc(1);
  t.equal(readSync(reader, buf), 1);
  t.equal(buf.toString(), '0', 'the byte start reads');
});
