import t from 'tap';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, constants as fsc } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkfifo } from '../../ffi/libc.js';
import { O_PATH } from '../../ffi/constants.js';
import { waitForStart } from './wait-for-start.js';

t.test('the init waits for start on exec.fifo in a blocking open off the main thread, then writes its byte', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'exec.fifo');
  mkfifo(fifo, 0o622);
  const fifoFd = openSync(fifo, O_PATH);
  const procFd = openSync('/proc', O_PATH | fsc.O_DIRECTORY);
  t.teardown(() => closeSync(procFd));
  let released = false;
  const waiting = waitForStart(procFd, fifoFd).then(() => { released = true; });
  // The main thread runs on while the open waits: timers fire.
  let ticks = 0;
  const ticker = setInterval(() => { ticks++; }, 10);
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(ticker);
  t.equal(released, false, 'no reader: still waiting');
  t.ok(ticks >= 5, `the main thread was free (${ticks} ticks)`);
  // `start`: open for reading, which lets the init's open return.
  const reader = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  await waiting;
  const buf = Buffer.alloc(1);
  t.equal(readSync(reader, buf), 1);
  t.equal(buf.toString(), '0', 'the byte start reads');
});

t.test('a failed open of exec.fifo is named with its errno', async (t) => {
  const procFd = openSync('/proc', O_PATH | fsc.O_DIRECTORY);
  t.teardown(() => closeSync(procFd));
  await t.rejects(waitForStart(procFd, 99_999), { message: /openat exec\.fifo: ENOENT/ }, 'no such fd');
});
