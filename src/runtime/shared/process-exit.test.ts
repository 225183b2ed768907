import t from 'tap';
import { spawn } from 'node:child_process';
import { readProcStat } from '../../state/procfs.js';
import { openProcess, waitForExit } from './process-exit.js';

t.test('waitForExit blocks until the process exits, without polling', async (t) => {
  const child = spawn('sleep', ['0.3'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const start = readProcStat(child.pid!)!.startTime;
  t.equal(waitForExit(child.pid!, start, 50), false, 'still running after 50 ms');
  const t0 = Date.now();
  t.equal(waitForExit(child.pid!, start, 10_000), true, 'then gone');
  t.ok(Date.now() - t0 < 5000, 'returned when it exited');
  await new Promise((r) => child.once('exit', r));
});

t.test('a process that is gone, or a pid now used by another, counts as exited', async (t) => {
  t.equal(openProcess(0, '1'), undefined);
  t.equal(waitForExit(process.pid, 'not-our-start-time', 10_000), true, 'another start time: not the same process');
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  t.equal(waitForExit(child.pid!, '0', 10_000), true);
});
