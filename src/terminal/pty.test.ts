import t from 'tap';
import tty from 'node:tty';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, readFileSync, readlinkSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getWinSize } from '../../ffi/pty.js';
import { FakeSys } from '../../test/fakes/fake.js';
import { makeControllingTerminal, openPty } from './pty.js';

const here = new URL('.', import.meta.url).pathname;

function isCloexec(fd: number): boolean {
  const flags = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^flags:\s+(\d+)/m)![1]!;
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

t.test('openPty on the host /dev/ptmx: an unlocked pair with the console size', async (t) => {
  const pty = openPty('/dev/ptmx', { height: 30, width: 100 });
  t.teardown(() => { closeSync(pty.master); closeSync(pty.slave); });
  t.equal(pty.slavePath, `/dev/pts/${pty.number}`);
  t.equal(readlinkSync(`/proc/self/fd/${pty.slave}`), pty.slavePath, 'slave is /dev/pts/N of this master');
  t.same(getWinSize(pty.slave), { rows: 30, cols: 100 }, 'consoleSize applied');
  t.ok(isCloexec(pty.master) && isCloexec(pty.slave), 'both close-on-exec');
  t.ok(tty.isatty(pty.slave));

  writeSync(pty.master, 'hi\n');
  const buf = Buffer.alloc(16);
  const n = readSync(pty.slave, buf, 0, 16, null);
  t.equal(buf.subarray(0, n).toString(), 'hi\n', 'master → slave');
});

t.test('a zero console size is left alone', async (t) => {
  const pty = openPty('/dev/ptmx', { height: 0, width: 80 });
  t.same(getWinSize(pty.slave), { rows: 0, cols: 0 });
  closeSync(pty.master);
  closeSync(pty.slave);
  const plain = openPty();
  t.same(getWinSize(plain.slave), { rows: 0, cols: 0 });
  closeSync(plain.master);
  closeSync(plain.slave);
});

t.test('openPty errors name the ptmx path', async (t) => {
  t.throws(() => openPty('/nonexistent/ptmx'), { message: 'open /nonexistent/ptmx: ENOENT' });
});

t.test('makeControllingTerminal: setsid, slave on 0-2, TIOCSCTTY on 0', async (t) => {
  const sys = new FakeSys();
  makeControllingTerminal(sys, 7);
  t.same(sys.calls.map((c) => [c.name, ...c.args]), [['setsid'], ['dup3', 7, 0], ['dup3', 7, 1], ['dup3', 7, 2], ['setctty', 0]]);

  const leader = new FakeSys().failOn('setsid', 'EPERM');
  makeControllingTerminal(leader, 1);
  t.same(leader.calls.map((c) => [c.name, ...c.args]), [['setsid'], ['dup3', 1, 0], ['dup3', 1, 2], ['setctty', 0]], 'already a leader; fd 1 is not dup-ed onto itself');

  t.throws(() => makeControllingTerminal(new FakeSys().failOn('setctty', 'EPERM'), 5), { message: 'setctty fd 0: EPERM' });
});

t.test('for real: the exec-ed program has the pty as stdio and controlling terminal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-ctty-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'child.mjs');
  writeFileSync(script, `
    import { linuxSys } from ${JSON.stringify(join(here, '../syscall/linux.js'))};
    import { makeControllingTerminal } from ${JSON.stringify(join(here, 'pty.js'))};
    makeControllingTerminal(linuxSys, 3);
    for (const fd of [0, 1, 2]) linuxSys.setCloexec(fd, false);
    linuxSys.execve('/bin/sh', ['sh', '-c', 'tty; if exec 4</dev/tty; then echo has-ctty; fi; stty size'], ['PATH=/usr/bin:/bin']);
  `);
  const pty = openPty('/dev/ptmx', { height: 24, width: 91 });
  // detached: the child already leads a session, as the container init does.
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'pipe', pty.slave], detached: true });
  closeSync(pty.slave);
  let errors = '';
  child.stderr!.on('data', (d) => { errors += d; });
  const reader = new tty.ReadStream(pty.master);
  let out = '';
  reader.on('data', (d) => { out += d; });
  // When the last slave closes, reads fail with EIO (sometimes reported as an error, not an end).
  reader.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'EIO') throw err; });
  await new Promise<void>((resolve) => reader.on('close', () => resolve()));
  const code = await new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (c) => resolve(c));
  });
  t.equal(code, 0, `child ok ${errors}`);
  const lines = out.split(/\r?\n/);
  t.equal(lines[0], pty.slavePath, 'stdin is the pty');
  t.equal(lines[1], 'has-ctty', '/dev/tty opens: it is the controlling terminal');
  t.equal(lines[2], '24 91', 'window size seen by the program');
});
