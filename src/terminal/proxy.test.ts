import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { getWinSize, setWinSize } from '../../ffi/pty.js';
import { openPty } from './pty.js';
import { copyWinSize, proxyTerminal } from './proxy.js';

/** A Writable that collects text and calls `onText` after each chunk. */
function collector(onText: (all: string) => void = () => {}) {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      sink.text += chunk.toString();
      onText(sink.text);
      cb();
    },
  }) as Writable & { text: string };
  sink.text = '';
  return sink;
}

function runOnPty(script: string, slave: number) {
  const child = spawn('/bin/sh', ['-c', script], { stdio: [slave, slave, slave] });
  closeSync(slave);
  return child;
}

t.test('copies both ways and resolves when the program is gone', async (t) => {
  const pty = openPty();
  runOnPty('echo hello; read x; echo "got $x"', pty.slave);
  const stdin = new PassThrough();
  let sent = false;
  const stdout = collector((all) => {
    if (!sent && all.includes('hello')) { sent = true; stdin.write('abc\n'); }
  });
  await proxyTerminal(pty.master, { stdin, stdout });
  t.match(stdout.text, /hello\r\n/);
  t.match(stdout.text, /got abc\r\n/, 'input reached the program, output came back');
  t.equal(stdin.listenerCount('data'), 0, 'stdin released');
});

t.test('raw mode is set on a terminal stdin and restored at the end', async (t) => {
  const pty = openPty();
  runOnPty('exit 0', pty.slave);
  const modes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (m: boolean) => { modes.push(m); } });
  await proxyTerminal(pty.master, { stdin, stdout: collector() });
  t.same(modes, [true, false]);
});

t.test('window size follows our terminal at start and on SIGWINCH', async (t) => {
  // `ours` plays the user's terminal: the proxy reads its size.
  const ours = openPty('/dev/ptmx', { height: 33, width: 77 });
  t.teardown(() => { closeSync(ours.master); closeSync(ours.slave); });
  const pty = openPty();
  // The program waits for a first line so that it reads the size only after the proxy started.
  runOnPty('read a; stty size; read b; stty size', pty.slave);
  const stdin = new PassThrough();
  let resized = false;
  const stdout = collector((all) => {
    if (!resized && all.includes('33 77')) {
      resized = true;
      setWinSize(ours.master, { rows: 44, cols: 88 });
      process.kill(process.pid, 'SIGWINCH');
      setTimeout(() => stdin.write('go\n'), 100);
    }
  });
  const done = proxyTerminal(pty.master, { stdin, stdout, sizeFrom: ours.slave });
  stdin.write('start\n');
  await done;
  t.match(stdout.text, /33 77\r\n/, 'initial size copied');
  t.match(stdout.text, /44 88\r\n/, 'resize forwarded');
  t.equal(process.listenerCount('SIGWINCH'), 0, 'SIGWINCH handler removed');
});

t.test('copyWinSize', async (t) => {
  const a = openPty('/dev/ptmx', { height: 10, width: 20 });
  const b = openPty();
  t.ok(copyWinSize(a.slave, b.master));
  t.same(getWinSize(b.slave), { rows: 10, cols: 20 });
  t.notOk(copyWinSize(999999, b.master), 'a bad source is reported, not thrown');
  for (const fd of [a.master, a.slave, b.master, b.slave]) closeSync(fd);
});
