import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ignoredSignals } from './signal-dispositions.js';

t.test('SigIgn masks', async (t) => {
  t.same(ignoredSignals('Name:\tx\nSigIgn:\t0000000001001004\nSigCgt:\t0\n'), [3, 13, 25]);
  t.same(ignoredSignals('SigIgn:\t0000000000000000\n'), []);
  t.same(ignoredSignals('SigIgn:\t8000000000000001\n'), [1, 64]);
  t.throws(() => ignoredSignals('Name:\tx\n'), /no SigIgn line/);
});

t.test('a program execed from Node gets SIGPIPE and SIGXFSZ back at their defaults', async (t) => {
  const mod = fileURLToPath(new URL('./signal-dispositions.js', import.meta.url));
  const libc = fileURLToPath(new URL('../../ffi/libc.js', import.meta.url));
  // A Node child ignores them; after resetSignals, the program it execs ignores nothing.
  const script = `
    const m = await import(${JSON.stringify(mod)});
    const libc = await import(${JSON.stringify(libc)});
    const before = m.currentlyIgnored();
    process.stderr.write(JSON.stringify(before));
    m.resetSignals(before);
    libc.fcntl(1, 2 /* F_SETFD */, 0); // Node marks stdio close-on-exec
    libc.execve('/bin/grep', ['grep', 'SigIgn', '/proc/self/status'], []);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const before = JSON.parse(r.stderr || '[]') as number[];
  t.ok(before.includes(13), `Node ignores SIGPIPE (${r.stderr})`);
  t.match(r.stdout, /^SigIgn:\s+0+\n$/, 'nothing ignored after the reset');
});
