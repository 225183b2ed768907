// Side-by-side benchmark of ocirt, runc and crun on this machine, in one run, with the
// environment an engine gives a runtime (PATH only): the floors (node, env -i true, bun),
// state, run, create/start/wait/delete, exec, 20 concurrent create+start, the RSS of a
// created init, and `ctr run --rm` / `podman run --rm` through a private containerd and a
// private Podman store. Prints the median per runtime and the ratios ocirt/runc, ocirt/crun.
//
// It also prints ocirt's floor for each call: what runc took, less runc's own process
// starts (a Go start each, `runc --version`), plus ocirt's (a compiled Bun start each,
// with Koffi loaded for the commands that make syscalls). ocirt cannot go below it
// without a faster engine start; where floor/runc is above the target ratio, the target
// is out of reach. The engines' runtime calls are counted once through a logging wrapper.
//
//   node bench/runtimes.mjs [iterations=10] [--only=measure,...]
//
// Engine measures and the 20-container one take fewer iterations (at most 9 and 3); `state` and
// the floors' program starts, of a few milliseconds each, five times as many.
// Everything it makes (containers, daemon, shims, mounts, cgroups, temp dirs) is removed at
// the end, also on failure or Ctrl-C; it touches no container it did not create.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENV, ROOTFS, cleanup, ensureRootfs, makeBundle, median, onCleanup, processesWith, removeCgroup,
  repo, runAsync, runSync, runtimes, sleep, timeSync, which, workDir,
} from './lib.mjs';
import { SECCOMP_CACHE_DIR } from '../dist/src/process/seccomp-cache.js';

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 10);
const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (m) => !only || only.includes(m);
// Engine runs vary by tens of ms with the daemons' own state: more of them, taken in turns.
const nEngine = Math.min(n, 9);
const nConc = Math.min(n, 3);
// Calls of a few milliseconds vary by as much from one to the next: more of them.
const nCheap = n * 5;
const CONC = 20;
const t0 = Date.now();

ensureRootfs();
const work = workDir();
const RTS = runtimes(work);
const tag = `ob${process.pid}`;
let seq = 0;
const allIds = [];
const newId = (what) => { const id = `${tag}-${what}-${++seq}`; allIds.push(id); return id; };

// Every container made directly lives in the runtime's private --root: delete whatever is left.
onCleanup(() => {
  for (const rt of RTS) {
    let ids = [];
    try { ids = readdirSync(rt.root); } catch { continue; }
    for (const id of ids) {
      runSync(rt.cmd('delete', '--force', id), { check: false, timeout: 30_000 });
    }
  }
  // A create cut short (Ctrl-C) may leave an init with no state dir: its cgroup still names it.
  for (const id of allIds) removeCgroup(id);
});

const trueBundle = makeBundle(join(work, 'bundle-true'), ['true']);
const sleepBundle = makeBundle(join(work, 'bundle-sleep'), ['sleep', '3600']);

const rows = []; // { label, values: { name: number }, unit, note, starts, target }
const skipped = [];
const record = (label, values, unit = 'ms', note = '', { starts, target } = {}) => {
  rows.push({ label, values, unit, note, starts, target });
  const v = Object.entries(values).map(([k, x]) => `${k} ${x.toFixed(1)}`).join(', ');
  process.stderr.write(`  ${label}: ${v} ${unit} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
};

const pidAlive = (pid) => {
  try { return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
};
async function waitGone(pid, ms = 20_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(1)) if (!pidAlive(pid)) return;
  throw new Error(`pid ${pid} still alive after ${ms} ms`);
}

/** create (with --pid-file) + start of the sleeper; returns the init's pid. */
async function createStarted(rt, id, { start = true } = {}) {
  const pidFile = join(work, `${id}.pid`);
  await runAsync(rt.cmd('create', '--bundle', sleepBundle, '--pid-file', pidFile, id), { cwd: sleepBundle });
  if (start) await runAsync(rt.cmd('start', id));
  return Number(readFileSync(pidFile, 'utf8'));
}
const deleteForce = (rt, id) => runSync(rt.cmd('delete', '--force', id), { check: false, timeout: 30_000 });

// ---------------------------------------------------------------------------------------------
// The floors.

const bunPackage = `@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : process.arch}`;
const bun = [join(repo, 'node_modules', bunPackage, 'bin/bun'), join(repo, 'node_modules/.bin/bun'), ...ENV.PATH.split(':').map((d) => join(d, 'bun'))].find(existsSync);

// The starts the floors are made of: a compiled Bun program that exits, one that loads
// Koffi from the installed package (as bin/ocirt does) and makes a call, and runc's Go
// start. They take turns, so that the machine's drift weighs on each alike: a Koffi load
// of about 2 ms was read as 1 ms when the probes ran one after the other.
const runcRt = RTS.find((r) => r.name === 'runc');
const probes = [];
if (bun) {
  writeFileSync(join(work, 'empty.mjs'), 'process.exit(0);\n');
  execFileSync(bun, ['build', '--compile', '--bytecode', join(work, 'empty.mjs'), '--outfile', join(work, 'empty')], { stdio: 'ignore' });
  const { koffiNativePath } = await import('../dist/ffi/koffi.js');
  const koffiNative = realpathSync(koffiNativePath());
  writeFileSync(join(work, 'koffi.mjs'),
    `const m = { exports: {} };\nprocess.dlopen(m, ${JSON.stringify(koffiNative)});\nm.exports.load('libc.so.6').func('int getpid()')();\nprocess.exit(0);\n`);
  execFileSync(bun, ['build', '--compile', '--bytecode', join(work, 'koffi.mjs'), '--outfile', join(work, 'koffi')], { stdio: 'ignore' });
  probes.push({ name: 'bun', argv: [join(work, 'empty')] }, { name: 'koffi', argv: [join(work, 'koffi')] });
}
if (runcRt) probes.push({ name: 'go', argv: [runcRt.binary, '--version'] });
const START = inTurns(probes, nCheap, (p) => runSync(p.argv).ms);
if (want('floors')) {
  record('node -e 0', { floor: timeSync(n, () => [process.execPath, '-e', '0']) });
  record('env -i /bin/true', { floor: timeSync(n, () => ['env', '-i', '/bin/true']) });
  if (bun) {
    record('bun -e 0', { floor: timeSync(n, () => [bun, '-e', '0']) });
    // The floor of any compiled Bun program, bin/ocirt's engine: one that does nothing.
    record('compiled Bun program that exits', { floor: START.bun });
  } else skipped.push('bun: not installed');
}

if (want('floors') && START.koffi !== undefined) record('compiled Bun program that loads Koffi', { floor: START.koffi });
if (want('floors') && START.go !== undefined) record('runc --version (a Go start)', { floor: START.go });

/** Commands of ocirt's that make no syscall through Koffi. */
const NO_KOFFI = new Set(['state', 'list', 'features', 'spec', '--version', '-v', 'version', '--help', '-h', 'help']);
const COMMANDS = new Set([...NO_KOFFI, 'create', 'start', 'run', 'exec', 'kill', 'delete', 'pause', 'resume', 'ps', 'update', 'events', 'checkpoint', 'restore']);
/** The command of a runtime call as logged by the counting wrapper (global flags and their values skipped). */
const commandOf = (argv) => argv.find((a) => COMMANDS.has(a)) ?? argv.find((a) => !a.startsWith('-')) ?? '';
/** The process starts of a list of runtime calls: each call, and the init that create, run and exec start. */
function startsOf(calls) {
  const starts = { go: 0, bun: 0, koffi: 0, commands: [] };
  const deleted = new Set();
  for (const c of calls) {
    const cmd = commandOf(c);
    starts.commands.push(cmd);
    starts.go += 1;
    // A delete of a container already deleted finds nothing, and ocirt then loads no Koffi.
    const gone = cmd === 'delete' && deleted.has(c.at(-1));
    if (cmd === 'delete') deleted.add(c.at(-1));
    starts[NO_KOFFI.has(cmd) || gone ? 'bun' : 'koffi'] += 1;
    if (['create', 'run', 'exec'].includes(cmd)) { starts.go += 1; starts.koffi += 1; }
  }
  return starts;
}
/** ocirt's floor for a call that took runc `runcMs`: runc's own starts swapped for ocirt's. */
function floorOf(runcMs, starts) {
  if (runcMs === undefined || START.go === undefined || START.bun === undefined || START.koffi === undefined) return undefined;
  return runcMs - starts.go * START.go + starts.bun * START.bun + starts.koffi * START.koffi;
}
/**
 * The median of `rounds` runs of `runOnce(rt)` per runtime, the runtimes taking turns in
 * each round, so that a drift of the machine or of a daemon weighs on all of them alike.
 */
function inTurns(rts, rounds, runOnce) {
  const times = Object.fromEntries(rts.map((rt) => [rt.name, []]));
  for (let i = 0; i < rounds; i++) for (const rt of rts) times[rt.name].push(runOnce(rt));
  return Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]));
}

/**
 * A wrapper of a runtime's binary that logs each call's arguments and wall time, one line per
 * call: for counting an engine's calls (the floor) and for the time each of them takes.
 */
function timingWrapper(dir, rt) {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'calls.log');
  // Named as the runtime: Podman picks the runtime's default --root by the binary's name.
  const wrapper = join(dir, rt.name);
  writeFileSync(wrapper, `#!/bin/sh\ns=$(date +%s%N)\n'${rt.binary}' "$@"\nrc=$?\nprintf '%s %s\\n' $(( $(date +%s%N) - s )) "$*" >> '${log}'\nexit $rc\n`);
  chmodSync(wrapper, 0o755);
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [ns, ...argv] = l.split(' ');
    return { argv, ms: Number(ns) / 1e6 };
  }) : []);
  return { binary: wrapper, calls, reset: () => rmSync(log, { force: true }) };
}

/**
 * An engine's run, `runs` times with each of ocirt and runc behind a timing wrapper: the runtime
 * calls for the floor (runc's), and a note of each call's median time, next to the run's.
 */
function profileCalls(name, runWith, runs = 3) {
  let starts;
  const parts = [];
  for (const rt of RTS.filter((r) => r.name !== 'crun')) {
    const wrapper = timingWrapper(join(work, `calls-${name}-${rt.name}`), rt);
    const seqs = [];
    const totals = [];
    for (let i = 0; i < runs; i++) {
      wrapper.reset();
      const r = runWith(wrapper.binary, rt.name);
      if (r.status !== 0) throw new Error(`${name} through the timing wrapper (${rt.name}) failed: ${r.stderr}`);
      seqs.push(wrapper.calls());
      totals.push(r.ms);
    }
    if (rt.name === 'runc') starts = startsOf(seqs[0].map((c) => c.argv));
    const calls = seqs[0].map((c, k) => `${commandOf(c.argv)} ${median(seqs.map((q) => q[k]?.ms ?? NaN)).toFixed(1)}`);
    const sum = median(seqs.map((q) => q.reduce((a, c) => a + c.ms, 0)));
    parts.push(`${rt.name} ${calls.join(', ')} (${sum.toFixed(0)} of ${median(totals).toFixed(0)} ms)`);
  }
  return { starts, note: `each call, median of ${runs} through a timing wrapper: ${parts.join('; ')}` };
}

// ---------------------------------------------------------------------------------------------
// Direct runtime calls.

if (want('state') || want('exec')) {
  let state = {};
  let exec = {};
  const ids = new Map();
  try {
    for (const rt of RTS) {
      const id = newId('state');
      ids.set(rt.name, id);
      await createStarted(rt, id);
    }
    if (want('state')) state = inTurns(RTS, nCheap, (rt) => runSync(rt.cmd('state', ids.get(rt.name)), { stdout: 'ignore' }).ms);
    if (want('exec')) exec = inTurns(RTS, n, (rt) => runSync(rt.cmd('exec', ids.get(rt.name), '/bin/true')).ms);
  } finally {
    for (const rt of RTS) if (ids.has(rt.name)) deleteForce(rt, ids.get(rt.name));
  }
  if (want('state')) record('state (running container)', state, 'ms', '', { starts: startsOf([['state']]), target: 1.5 });
  if (want('exec')) record('exec /bin/true (running container)', exec, 'ms', '', { starts: startsOf([['exec']]), target: 1.2 });
}

if (want('run')) {
  const run = inTurns(RTS, n, (rt) => runSync(rt.cmd('run', '--bundle', trueBundle, newId('run')), { cwd: trueBundle }).ms);
  record('run /bin/true', run, 'ms', '', { starts: startsOf([['run']]), target: 1.0 });
}

if (want('lifecycle')) {
  const times = Object.fromEntries(RTS.map((rt) => [rt.name, []]));
  for (let i = 0; i < n; i++) {
    for (const rt of RTS) {
      const id = newId('life');
      const pidFile = join(work, `${id}.pid`);
      const start = process.hrtime.bigint();
      await runAsync(rt.cmd('create', '--bundle', trueBundle, '--pid-file', pidFile, id), { cwd: trueBundle });
      runSync(rt.cmd('start', id));
      await waitGone(Number(readFileSync(pidFile, 'utf8')));
      runSync(rt.cmd('delete', id));
      times[rt.name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  const life = Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]));
  record('create, start, wait (/proc/PID), delete of true', life, 'ms', '', { starts: startsOf([['create'], ['start'], ['delete']]), target: 1.0 });
}

if (want('concurrent')) {
  const up = {};
  const down = {};
  for (const rt of RTS) {
    const ups = [];
    const downs = [];
    for (let i = 0; i < nConc; i++) {
      const ids = Array.from({ length: CONC }, () => newId('conc'));
      let start = process.hrtime.bigint();
      const results = await Promise.allSettled(ids.map((id) => createStarted(rt, id)));
      ups.push(Number(process.hrtime.bigint() - start) / 1e6);
      start = process.hrtime.bigint();
      await Promise.allSettled(ids.map((id) => runAsync(rt.cmd('delete', '--force', id), { timeout: 60_000 })));
      downs.push(Number(process.hrtime.bigint() - start) / 1e6);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    up[rt.name] = median(ups);
    down[rt.name] = median(downs);
  }
  record(`${CONC} x (create, start) concurrently [${nConc}]`, up);
  record(`${CONC} x delete --force concurrently [${nConc}]`, down);
}

if (want('rss')) {
  // VmRSS counts the program's file pages too, which every init of the same binary shares
  // through the page cache; RssAnon is what each waiting container costs on its own.
  const rss = {};
  const anon = {};
  const kb = (status, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)[1]) / 1024;
  for (const rt of RTS) {
    const total = [];
    const own = [];
    for (let i = 0; i < nConc; i++) {
      const id = newId('rss');
      try {
        const pid = await createStarted(rt, id, { start: false });
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        total.push(kb(status, 'VmRSS'));
        own.push(kb(status, 'RssAnon'));
      } finally {
        deleteForce(rt, id);
      }
    }
    rss[rt.name] = median(total);
    anon[rt.name] = median(own);
  }
  if (bun) {
    // The floor: a compiled Bun program that waits, doing nothing else.
    writeFileSync(join(work, 'waiting.mjs'), "import { writeSync } from 'node:fs';\nwriteSync(1, 'up\\n');\nsetInterval(() => {}, 1e6);\n");
    execFileSync(bun, ['build', '--compile', '--bytecode', join(work, 'waiting.mjs'), '--outfile', join(work, 'waiting')], { stdio: 'ignore' });
    const child = spawn(join(work, 'waiting'), [], { stdio: ['ignore', 'pipe', 'ignore'], env: ENV });
    try {
      await new Promise((res, rej) => { child.stdout.once('data', res); child.once('exit', rej); });
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      rss.floor = kb(status, 'VmRSS');
      anon.floor = kb(status, 'RssAnon');
    } finally {
      child.kill('SIGKILL');
    }
  }
  record(`VmRSS of a created, waiting init [${nConc}]`, rss, 'MB', '', { target: 2.0 });
  record(`RssAnon of a created, waiting init [${nConc}]`, anon, 'MB');
}

// ---------------------------------------------------------------------------------------------
// containerd: a private daemon (root, state, sockets in the work dir, no CRI), `ctr run --rm`
// with --runc-binary = each runtime and a private --runc-root.

if (want('containerd')) {
  if (!which('containerd') || !which('ctr')) skipped.push('containerd: containerd or ctr not installed');
  else await benchContainerd();
}

async function benchContainerd() {
  const dir = join(work, 'ctd');
  mkdirSync(join(dir, 'fifo'), { recursive: true });
  const sock = join(dir, 'containerd.sock');
  const ns = `ocirt-bench-${process.pid}`;
  const rootfs = join(dir, 'rootfs');
  runSync(['cp', '-a', ROOTFS, rootfs]);
  const config = join(dir, 'config.toml');
  writeFileSync(config, [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]', `  address = "${sock}"`,
    '[ttrpc]', `  address = "${sock}.ttrpc"`,
    '[plugins."io.containerd.internal.v1.opt"]', `  path = "${join(dir, 'opt')}"`, '',
  ].join('\n'));
  const daemon = spawn(which('containerd'), ['--config', config, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  let log = '';
  daemon.stderr.on('data', (c) => { log = (log + c).slice(-4000); });
  const ids = [];
  const ctr = (a, timeout = 60_000) => runSync(['ctr', '--address', sock, '--namespace', ns, ...a], { check: false, timeout });
  onCleanup(() => {
    for (const id of ids) { ctr(['task', 'rm', '--force', id], 15_000); ctr(['container', 'rm', id], 15_000); }
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      const wait = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 100 && existsSync(`/proc/${daemon.pid}`) && !/\) Z/.test(readFileSync(`/proc/${daemon.pid}/stat`, 'utf8')); i++) Atomics.wait(wait, 0, 0, 50);
      try { daemon.kill('SIGKILL'); } catch { /* gone */ }
    }
    for (const pid of processesWith(dir)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    // A shim killed before it cleaned up leaves its socket in /run/containerd/s.
    const tasks = join(dir, 'state', 'io.containerd.runtime.v2.task', ns);
    for (const id of existsSync(tasks) ? readdirSync(tasks) : []) {
      rmSync(join('/run/containerd/s', createHash('sha256').update(`${sock}/${ns}/${id}`).digest('hex')), { force: true });
    }
    removeCgroup(ns);
  });
  for (let i = 0; ; i++) {
    if (existsSync(sock) && ctr(['version'], 10_000).status === 0) break;
    if (i >= 200 || daemon.exitCode !== null) throw new Error(`containerd did not come up: ${log}`);
    await sleep(50);
  }
  const res = {};
  const ctrRun = (name, binary) => {
    const id = `${tag}-ctr-${name}-${++seq}`;
    ids.push(id);
    return ctr(['run', '--rm', '--fifo-dir', join(dir, 'fifo'), '--runc-binary', binary, '--runc-root', join(dir, `runc-${name}`),
      '--rootfs', rootfs, id, '/bin/true']);
  };
  const ctrRts = RTS.filter((rt) => {
    if (rt.name !== 'crun') return true;
    // crun goes through its wrapper; keep it only when the shim can drive it here.
    const r = ctrRun(rt.name, rt.binary);
    if (r.status !== 0) skipped.push(`ctr run with crun: skipped, the shim could not run it: ${r.stderr.trim().split('\n').pop()}`);
    return r.status === 0;
  });
  Object.assign(res, inTurns(ctrRts, nEngine, (rt) => {
    const r = ctrRun(rt.name, rt.binary);
    if (r.status !== 0) throw new Error(`ctr run with ${rt.name} failed: ${r.stderr}`);
    return r.ms;
  }));
  // The shim's runtime calls: counted for the floor, and timed.
  const calls = profileCalls('ctr', (binary, rtName) => ctrRun(`calls-${rtName}`, binary));
  record(`ctr run --rm /bin/true [${nEngine}]`, res, 'ms', `the shim's calls: ${calls.note}`, { starts: calls.starts, target: 1.2 });
}

// ---------------------------------------------------------------------------------------------
// Podman: private storage and run root in the work dir, cgroupfs, file events, no network.

if (want('podman')) {
  if (!which('podman')) skipped.push('podman: not installed');
  else benchPodman();
}

function benchPodman() {
  const dir = join(work, 'podman');
  for (const d of ['storage', 'runroot', 'tmp', 'net', 'volumes']) mkdirSync(join(dir, d), { recursive: true });
  const rootfs = join(dir, 'rootfs');
  runSync(['cp', '-a', ROOTFS, rootfs]);
  writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/storage"\nrunroot = "${dir}/runroot"\n`);
  writeFileSync(join(dir, 'containers.conf'), `[containers]
log_driver = "k8s-file"

[network]
network_config_dir = "${dir}/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
tmp_dir = "${dir}/tmp"
volume_path = "${dir}/volumes"
static_dir = "${dir}/storage/libpod"
`);
  // Directories Podman makes on the host whatever its config says: removed when we made them.
  const hostDirs = ['/run/containers/networks', '/run/containers'];
  const cgroupDirs = readdirSync('/sys/fs/cgroup').flatMap((h) => ['libpod_parent/conmon', 'libpod_parent'].map((p) => join('/sys/fs/cgroup', h, p)));
  // Podman runs the runtime with its default --root (/run/<name>); it keeps no runtime flags for
  // its cleanup process. Our containers there are those whose bundle is in our store.
  const defaultRoots = RTS.map((rt) => join('/run', rt.name));
  const before = new Set([...hostDirs, ...cgroupDirs, ...defaultRoots].filter((d) => existsSync(d)));
  const env = { ...ENV, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  const global = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'),
    '--network-config-dir', join(dir, 'net'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const podman = (rt, a, timeout = 60_000) => runSync(['podman', ...global, '--runtime', rt.binary, ...a], { env, check: false, timeout });
  onCleanup(() => {
    // Podman's own store is private; `rm -a` removes only the containers this run made.
    for (const rt of RTS) podman(rt, ['rm', '-a', '-f', '-t', '0'], 30_000);
    for (const rt of RTS) {
      const root = join('/run', rt.name);
      for (const id of existsSync(root) ? readdirSync(root) : []) {
        const ours = ['state.json', 'status'].some((f) => {
          try { return readFileSync(join(root, id, f), 'utf8').includes(`${dir}/`); } catch { return false; }
        });
        if (ours) runSync([...rt.argv, '--root', root, 'delete', '--force', id], { check: false, timeout: 30_000 });
      }
    }
    // A default root we made holds, besides, ocirt's cache of compiled seccomp filters.
    for (const d of defaultRoots) if (!before.has(d)) rmSync(join(d, SECCOMP_CACHE_DIR), { recursive: true, force: true });
    for (const d of [...cgroupDirs, ...hostDirs, ...defaultRoots]) if (!before.has(d)) try { rmdirSync(d); } catch { /* in use or gone */ }
  });
  const res = {};
  Object.assign(res, inTurns(RTS, nEngine, (rt) => {
    const r = podman(rt, ['run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
      '--rootfs', rootfs, '/bin/true']);
    if (r.status !== 0) throw new Error(`podman run with ${rt.name} failed: ${r.stderr}`);
    return r.ms;
  }));
  // Podman's and conmon's runtime calls: counted for the floor, and timed.
  const calls = profileCalls('podman', (binary) => podman({ binary }, ['run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024',
    '--ulimit', 'nproc=1024:1024', '--rootfs', rootfs, '/bin/true']));
  record(`podman run --rm /bin/true [${nEngine}]`, res, 'ms', `podman's and conmon's calls: ${calls.note}`, { starts: calls.starts, target: 1.2 });
}

// ---------------------------------------------------------------------------------------------
// The table.

const names = RTS.map((r) => r.name);
const cols = ['measure', ...names, 'floor', 'ocirt/runc', 'ocirt/crun', 'floor/runc', 'target', 'verdict'];
const table = rows.map(({ label, values, unit, starts, target }) => {
  const f = (x) => (x === undefined ? '-' : `${x.toFixed(1)} ${unit}`);
  const ratio = (a, b) => (a !== undefined && b !== undefined ? (a / b).toFixed(2) : '-');
  // ocirt's floor: the calls' process starts swapped (above), or for memory the waiting Bun program.
  const floor = starts ? floorOf(values.runc, starts) : values.floor;
  const reached = values.ocirt !== undefined && values.runc !== undefined && target !== undefined ? values.ocirt / values.runc <= target : undefined;
  const floorAbove = floor !== undefined && values.runc !== undefined && target !== undefined ? floor / values.runc > target : undefined;
  const verdict = target === undefined ? '-' : reached ? 'met' : floorAbove ? 'floor above target' : reached === false ? 'missed' : '-';
  return [label, ...names.map((k) => f(values[k])), f(floor), ratio(values.ocirt, values.runc), ratio(values.ocirt, values.crun),
    ratio(floor, values.runc), target === undefined ? '-' : `<= ${target.toFixed(1)}`, verdict];
});
const widths = cols.map((c, i) => Math.max(c.length, ...table.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`\nocirt vs runc vs crun, median of ${n} (state and the program starts ${nCheap}, engines ${nEngine}, ${CONC}-container and RSS ${nConc}), env { PATH } only`);
console.log(line(cols));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));
for (const { label, note } of rows) if (note) console.log(`${label}: ${note}`);
const versions = RTS.filter((r) => r.name !== 'ocirt').map((r) => {
  const v = runSync([r.name === 'crun' ? which('crun') : r.binary, '--version'], { check: false, stdout: 'pipe' }).stdout.split('\n')[0];
  return `${r.name}: ${v}`;
});
console.log(`\n${[`node ${process.version}`, ...versions].join('; ')}`);
if (names.includes('crun')) console.log('crun runs through `unshare -m` + sh (it refuses hybrid cgroups), which its numbers include.');
if (START.go !== undefined && START.bun !== undefined && START.koffi !== undefined) {
  console.log(`floor: runc's time - its Go starts x ${START.go.toFixed(1)} ms + ocirt's Bun starts x ${START.bun.toFixed(1)} ms`
    + ` (x ${START.koffi.toFixed(1)} ms with Koffi); for memory, a waiting compiled Bun program`);
}
for (const s of skipped) console.log(s);
cleanup();
console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
