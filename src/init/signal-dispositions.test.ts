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
  const sys = fileURLToPath(new URL('../syscall/linux.js', import.meta.url));
  // A Node child ignores them; after resetSignals, the program it execs ignores nothing.
  const script = `
    const m = await import(${JSON.stringify(mod)});
    const libc = await import(${JSON.stringify(libc)});
    const { linuxSys } = await import(${JSON.stringify(sys)});
    const before = m.currentlyIgnored();
    process.stderr.write(JSON.stringify(before));
    linuxSys.resetSignals(before);
    libc.fcntl(1, 2 /* F_SETFD */, 0); // Node marks stdio close-on-exec
    libc.execve('/bin/grep', ['grep', 'SigIgn', '/proc/self/status'], []);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const before = JSON.parse(r.stderr || '[]') as number[];
  t.ok(before.includes(13), `Node ignores SIGPIPE (${r.stderr})`);
  t.match(r.stdout, /^SigIgn:\s+0+\n$/, 'nothing ignored after the reset');
});

t.test('32 and 33, which glibc keeps for itself, are reset too', async (t) => {
  const mod = fileURLToPath(new URL('./signal-dispositions.js', import.meta.url));
  const libc = fileURLToPath(new URL('../../ffi/libc.js', import.meta.url));
  const sys = fileURLToPath(new URL('../syscall/linux.js', import.meta.url));
  // SIG_IGN through the raw syscall (glibc refuses 32 and 33), then the reset.
  const script = `
    const m = await import(${JSON.stringify(mod)});
    const libc = await import(${JSON.stringify(libc)});
    const { linuxSys } = await import(${JSON.stringify(sys)});
    const act = Buffer.alloc(32);
    act.writeBigUInt64LE(1n, 0);
    const nr = process.arch === 'arm64' ? 134 : 13;
    for (const sig of [32, 33]) libc.rawSyscall(nr, 'rt_sigaction', String(sig), ['int', sig], ['void *', act], ['void *', null], ['ulong', 8]);
    const before = m.currentlyIgnored();
    linuxSys.resetSignals(before);
    process.stdout.write(JSON.stringify({ before, after: m.currentlyIgnored() }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  t.equal(r.status, 0, r.stderr);
  const { before, after } = JSON.parse(r.stdout || '{}') as { before: number[]; after: number[] };
  t.ok(before.includes(32) && before.includes(33), `ignored before: ${String(before)}`);
  t.same(after, [], 'nothing ignored after the reset');
});
