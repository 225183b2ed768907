// While the runtime's main thread has a PID namespace set for its children (to spawn
// an init), the kernel refuses it new threads, and Bun aborts when its engine starts
// one then (a JIT compiler thread at a tier-up, the collector's helper at a full
// collection). withoutNewEngineThreads makes that window safe. Run on the Bun that
// compiles bin/ocirt: a window that tiers up a hot function and collects in full.
// The window is short, as the runtime's are (a spawn): kept open for seconds of wall
// time on a loaded machine, Bun also starts some thread of its own in it (seen once in
// 16 runs of a window of 2 s), which no policy of ours holds off.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPO, tempDir, requireRoot } from './helpers.js';

requireRoot();

const require = createRequire(import.meta.url);
const BUN = join(dirname(require.resolve(`@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : process.arch}/package.json`)), 'bin/bun');

const WINDOW = `
import { dlopen, FFIType } from 'bun:ffi';
import { openSync } from 'node:fs';
const [modulePath, guarded] = process.argv.slice(2);
const { withoutNewEngineThreads } = await import(modulePath);
const { symbols: c } = dlopen('libc.so.6', { unshare: { args: [FFIType.i32], returns: FFIType.i32 }, setns: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
const own = openSync('/proc/self/ns/pid', 'r');
const window = () => {
  if (c.unshare(0x20000000) !== 0) throw new Error('unshare(CLONE_NEWPID) failed');
  try {
    let s = 0;
    const f = (i) => (i * 31) % 17;
    for (let i = 0; i < 3e6; i++) s += f(i);
    Bun.gc(true);
    return s;
  } finally {
    if (c.setns(own, 0x20000000) !== 0) throw new Error('setns back failed');
  }
};
const s = guarded === 'guarded' ? withoutNewEngineThreads(window) : window();
process.stdout.write('done ' + s + '\\n');
`;

/** The lines of a Bun crash report that say what went wrong (its header is the same every time). */
const whyCrashed = (stderr: string) => stderr.split('\n').filter((l) => /panic|error|abort|signal|segmentation|illegal|thread/i.test(l)).join(' | ').slice(0, 800) || stderr.slice(-400);

t.test('a PID-namespace window that tiers up and collects: Bun aborts unguarded, runs guarded', async (t) => {
  const script = join(tempDir(t, 'ocirt-window-'), 'window.mjs');
  writeFileSync(script, WINDOW);
  const run = (mode: string) => spawnSync(BUN, [script, join(REPO, 'dist/src/engine-threads.js'), mode], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 60_000 });
  const bare = run('bare');
  t.not(bare.status, 0, 'unguarded, the engine cannot start its thread (the hazard is real)');
  for (let i = 0; i < 3; i++) {
    const guarded = run('guarded');
    t.equal(guarded.status, 0, `${guarded.signal ?? ''} ${whyCrashed(guarded.stderr)}`);
    t.equal(guarded.stdout, 'done 24000006\n');
  }
});

// bin/ocirt starts with tier-up out of reach (scripts/compile-options.mjs): a call of
// ocirt lives milliseconds, and the JIT's compiles would cost it more than they save.
const PROBE = `
import { numberOfDFGCompiles } from 'bun:jsc';
const f = (i) => (i * 31) % 17;
let s = 0;
for (let i = 0; i < 1e5; i++) s += f(i);
process.stdout.write(numberOfDFGCompiles(f) + ' ' + s + '\\n');
`;
const BUILD_PROBE = `
const [optionsModule, repo, entry, outfile, mode] = process.argv.slice(2);
const { compileOptions } = await import(optionsModule);
const options = await compileOptions({ repo, outfile, entry });
if (mode === 'normal-jit') delete options.compile.jitPolicy;
const result = await Bun.build(options);
if (!result.success) { console.error(result.logs.join('\\n')); process.exit(1); }
`;

t.test("a program compiled with bin/ocirt's options never tiers a hot function up", async (t) => {
  const dir = tempDir(t, 'ocirt-jit-');
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
  writeFileSync(join(dir, 'build-probe.mjs'), BUILD_PROBE);
  const probe = (mode: string) => {
    const exe = join(dir, `probe-${mode}`);
    const built = spawnSync(BUN, [join(dir, 'build-probe.mjs'), join(REPO, 'scripts/compile-options.mjs'), REPO, join(dir, 'probe.mjs'), exe, mode], { encoding: 'utf8', timeout: 120_000 });
    t.equal(built.status, 0, built.stderr);
    return spawnSync(exe, [], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 60_000 }).stdout;
  };
  t.equal(probe('normal-jit'), '1 799992\n', 'with the JIT at its normal policy, the loop tiers f up to the DFG (the probe sees tier-ups)');
  t.equal(probe('ocirt'), '0 799992\n', "with bin/ocirt's options, f stays in the interpreter");
});
