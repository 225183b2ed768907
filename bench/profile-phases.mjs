// Where the time of one ocirt command goes, phase by phase. Compiles a variant of
// bin/ocirt that records wall-clock marks (src/phase-marks.ts; bin/ocirt has none),
// creates and starts a sleeping container with it, and runs the command N times:
//
//   node bench/profile-phases.mjs [iterations=30] [command=state]   (as root, after npm run build)
//   command: state, list, kill, ps, exec (of /bin/true), or any other that takes the id alone
//
// Phases (medians): exec → first JS (the kernel's execve, Bun's start-up, loading the
// entry chunk), module load (the CLI's modules), parse (the command line, the command's
// module), context, work (the command itself, including the modules it loads), exit
// (process.exit until the caller sees the process gone). Also the floor: a compiled Bun
// program that exits.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ENV, ensureRootfs, makeBundle, median, onCleanup, repo, runSync, workDir } from './lib.mjs';

const n = Number(process.argv[2] ?? 30);
const command = process.argv[3] ?? 'state';
ensureRootfs();
const work = workDir('ocirt-phases-');
const require = createRequire(import.meta.url);
const bun = join(dirname(require.resolve(`@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : process.arch}/package.json`)), 'bin/bun');
const { koffiNativePath } = await import('../dist/ffi/koffi.js');
const koffiNative = koffiNativePath();
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const exe = join(work, 'ocirt-phase-marks');
execFileSync(bun, [join(repo, 'scripts/compile.mjs'), repo, exe, koffiNative, version, 'phase-marks'], { stdio: 'inherit' });
const empty = join(work, 'empty');
writeFileSync(`${empty}.mjs`, '');
execFileSync(bun, ['build', '--compile', '--bytecode', '--outfile', empty, `${empty}.mjs`], { stdio: 'ignore' });

const root = join(work, 'root');
const id = `phases-${process.pid}`;
const bundle = makeBundle(join(work, 'bundle'), ['sleep', '3600']);
onCleanup(() => runSync([exe, '--root', root, 'delete', '--force', id], { check: false }));
runSync([exe, '--root', root, 'create', '--bundle', bundle, id], { cwd: bundle });
runSync([exe, '--root', root, 'start', id]);

const now = () => performance.timeOrigin + performance.now();
const args = { state: [id], list: [], kill: [id, '0'], ps: ['--format', 'json', id], exec: [id, '/bin/true'] }[command] ?? [id];
const phases = ['exec → first JS', 'module load', 'parse', 'context', 'work', 'exit'];
const samples = Object.fromEntries([...phases, 'total', 'floor'].map((p) => [p, []]));
for (let i = 0; i < n; i++) {
  let t0 = now();
  spawnSync(empty, [], { env: ENV });
  samples.floor.push(now() - t0);
  t0 = now();
  const r = spawnSync(exe, ['--root', root, command, ...args], { env: ENV, encoding: 'utf8' });
  const t1 = now();
  const line = /ocirt-phase-marks (.*)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || !line) throw new Error(`${command} failed: ${r.stderr}`);
  const m = Object.fromEntries(line.split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  const points = [t0, m['first-js'], m['cli-loaded'], m.parsed, m.context, m.work, t1];
  phases.forEach((p, k) => samples[p].push(points[k + 1] - points[k]));
  samples.total.push(t1 - t0);
}
console.log(`ocirt ${command}, median of ${n} (ms):`);
for (const [p, xs] of Object.entries(samples)) console.log(`  ${p.padEnd(18)} ${median(xs).toFixed(1).padStart(6)}`);
