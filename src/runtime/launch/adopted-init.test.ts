import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError, SyscallError } from '../../errors.js';
import { becomeChildSubreaper, exitCodeOfWaitStatus, forkedChild, waitForAdopted } from './adopted-init.js';

t.test('forkedChild reads the one child of the intermediate from /proc/<pid>/task/<pid>/children', async (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'ocirt-adopted-'));
  t.teardown(() => rmSync(proc, { recursive: true, force: true }));
  mkdirSync(join(proc, '7/task/7'), { recursive: true });
  writeFileSync(join(proc, '7/task/7/children'), '1234 ');
  t.equal(forkedChild(7, proc), 1234);
  writeFileSync(join(proc, '7/task/7/children'), '');
  t.throws(() => forkedChild(7, proc), new RuntimeError(`expected one child of pid 7 in ${proc}/7/task/7/children, found ""`), 'not forked yet');
  writeFileSync(join(proc, '7/task/7/children'), '5 6 ');
  t.throws(() => forkedChild(7, proc), { message: /expected one child of pid 7 .* found "5 6"/ });
  t.throws(() => forkedChild(8, proc), SyscallError, 'no such process');
});

t.test('a wait status becomes the exit code, or 128+signal', async (t) => {
  t.equal(exitCodeOfWaitStatus(0), 0);
  t.equal(exitCodeOfWaitStatus(3 << 8), 3);
  t.equal(exitCodeOfWaitStatus(9), 137);
  t.equal(exitCodeOfWaitStatus(15 | 0x80), 143, 'a core dump flag is not part of the signal');
});

t.test('waitForAdopted reaps a child of ours that Node does not know and gives its status', async (t) => {
  // A grandchild whose parent exits: ours through the child subreaper flag, as an init is.
  becomeChildSubreaper();
  const sh = spawn('/bin/sh', ['-c', 'sh -c "sleep 0.2; kill -TERM \\$\\$" & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve) => sh.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  await new Promise((resolve) => sh.once('exit', resolve));
  t.equal(await waitForAdopted(pid), 143, 'killed by SIGTERM');
  await t.rejects(waitForAdopted(pid), { code: 'ECHILD' }, 'reaped: no longer a child');
});
