// Times `run` of a /bin/true-style bundle under ocirt, runc and crun on this
// machine in one run, and reports medians and ratios (ocirt / runc, ocirt / crun),
// plus bare Node start-up, the floor under every ocirt command.
// bench/runtimes.mjs measures more (state, exec, lifecycle, concurrency, RSS, engines).
//
//   node bench/run-hello.mjs [iterations=10]
import { join } from 'node:path';
import { ensureRootfs, makeBundle, runtimes, timeSync, workDir } from './lib.mjs';

const n = Number(process.argv[2] ?? 10);
ensureRootfs();
const work = workDir();
const bundle = makeBundle(join(work, 'bundle'), ['true']);

const results = {};
results.node = timeSync(n, () => [process.execPath, '-e', '0']);
for (const rt of runtimes(work)) {
  results[rt.name] = timeSync(n, (i) => rt.cmd('run', '--bundle', bundle, `bench-${process.pid}-${i}`), { cwd: bundle });
}

const fmt = (x) => `${x.toFixed(1)} ms`;
console.log(`run of /bin/true, median of ${n}:`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(6)} ${fmt(v)}`);
if (results.runc) console.log(`  ocirt / runc = ${(results.ocirt / results.runc).toFixed(2)}`);
if (results.crun) console.log(`  ocirt / crun = ${(results.ocirt / results.crun).toFixed(2)}`);
console.log(`  node start-up share of ocirt: ${((results.node * 2) / results.ocirt * 100).toFixed(0)}% (two Node start-ups: CLI and init)`);
