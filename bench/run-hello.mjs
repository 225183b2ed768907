// Times `run` of a /bin/true-style bundle under ocirt, runc and crun on this
// machine in one run, and reports medians and ratios (ocirt / runc, ocirt / crun),
// plus bare Node start-up, the floor under every ocirt command.
//
//   node bench/run-hello.mjs [iterations=10]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.argv[2] ?? 10);
const which = (b) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, b)).find(existsSync);

execFileSync('bash', [join(repo, 'bundles/build-rootfs.sh')], { stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'ocirt-bench-'));
const bundle = join(work, 'bundle');
cpSync(join(repo, 'bundles/hello'), bundle, { recursive: true });
const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
config.root = { path: join(repo, 'bundles/rootfs'), readonly: true };
config.process.args = ['true'];
writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function time(label, argvFor) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const [cmd, ...args] = argvFor(`bench-${process.pid}-${i}`);
    const t0 = process.hrtime.bigint();
    // The environment an engine gives a runtime: no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS
    // (which alone adds tens of milliseconds to every Node start).
    const r = spawnSync(cmd, args, { cwd: bundle, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
    times.push(ms);
  }
  return median(times);
}

const root = (name) => join(work, `root-${name}`);
const results = {};
results.node = time('node -e 0', () => [process.execPath, '-e', '0']);
results.ocirt = time('ocirt', (id) => [join(repo, 'bin/ocirt'), '--root', root('ocirt'), 'run', '--bundle', bundle, id]);
const runc = which('runc');
if (runc) results.runc = time('runc', (id) => [runc, '--root', root('runc'), 'run', '--bundle', bundle, id]);
const crun = which('crun');
// crun refuses hybrid cgroups; it runs with the unified mount hidden in a private mount namespace.
if (crun) results.crun = time('crun', (id) => ['unshare', '-m', 'sh', '-c', `umount /sys/fs/cgroup/unified 2>/dev/null; exec ${crun} --root ${root('crun')} run --bundle ${bundle} ${id}`]);
rmSync(work, { recursive: true, force: true });

const fmt = (x) => `${x.toFixed(1)} ms`;
console.log(`run of /bin/true, median of ${n}:`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(6)} ${fmt(v)}`);
if (results.runc) console.log(`  ocirt / runc = ${(results.ocirt / results.runc).toFixed(2)}`);
if (results.crun) console.log(`  ocirt / crun = ${(results.ocirt / results.crun).toFixed(2)}`);
console.log(`  node start-up share of ocirt: ${((results.node * 2) / results.ocirt * 100).toFixed(0)}% (two Node start-ups: CLI and init)`);
