// Shared helpers of the benchmarks: the runtimes under test, a scratch bundle on the sample
// rootfs, timing with an engine-like environment, medians, and a cleanup list that runs at the
// end, on failure and on Ctrl-C.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OCIRT = join(repo, 'bin/ocirt');
export const ROOTFS = join(repo, 'bundles/rootfs');
export const which = (b) => ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, b)).find(existsSync);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The environment an engine gives a runtime: PATH only. No NODE_OPTIONS, no NODE_EXTRA_CA_CERTS
 * (which alone adds tens of milliseconds to every Node start).
 */
export const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Cleanup: steps run last-in first-out, once, also on an exception, SIGINT, SIGTERM and SIGHUP.

const cleanups = [];
let cleaned = false;
export const onCleanup = (fn) => { cleanups.push(fn); };
export function cleanup() {
  if (cleaned) return;
  cleaned = true;
  killInFlight();
  while (cleanups.length) {
    const fn = cleanups.pop();
    try { fn(); } catch (e) { process.stderr.write(`cleanup: ${e?.message ?? e}\n`); }
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: cleaning up\n`);
    cleanup();
    process.exit(130);
  });
}
process.on('exit', cleanup);

/** A temp dir removed at the end, after everything registered later (LIFO). */
export function workDir(prefix = 'ocirt-bench-') {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  chmodSync(dir, 0o755);
  onCleanup(() => {
    for (const mp of mountsUnder(dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export const mountsUnder = (prefix) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
  .map((l) => l.split(' ')[4] ?? '').filter((m) => m === prefix || m.startsWith(`${prefix}/`));

export function processesWith(marker) {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try { if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name)); } catch { /* gone */ }
  }
  return pids;
}

/**
 * rmdir a cgroup tree bottom-up in every hierarchy (`rel` relative to each hierarchy root), after
 * killing what is left in it: only for cgroups named after this run's own containers.
 */
export function removeCgroup(rel) {
  const rm = (dir) => {
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory()) rm(join(dir, e.name));
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch { /* gone */ }
    try { rmdirSync(dir); } catch { /* busy or gone */ }
  };
  // A process killed just before may not have left its cgroup yet: retry for up to 5 s.
  const left = () => readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, rel)).filter(existsSync);
  for (let i = 0; i < 50 && left().length; i++) {
    if (i) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    for (const dir of left()) rm(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// The sample rootfs and a bundle on it.

export function ensureRootfs() {
  execFileSync('bash', [join(repo, 'bundles/build-rootfs.sh')], { stdio: 'inherit', timeout: 120_000 });
}

/** bundles/hello with `args`, on the sample rootfs (read-only), written to `dir`. */
export function makeBundle(dir, args) {
  cpSync(join(repo, 'bundles/hello'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  config.root = { path: ROOTFS, readonly: true };
  config.process.args = args;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// The runtimes. Each has `argv` (the command that stands for the runtime binary) and `binary`
// (an executable path an engine can be given). crun refuses this machine's hybrid cgroups, so it
// runs through a wrapper that hides the cgroup2 mount in a private mount namespace: its numbers
// include that `unshare` + `sh` (a few ms).

export function runtimes(work) {
  const list = [{ name: 'ocirt', argv: [OCIRT], binary: OCIRT }];
  const runc = which('runc');
  if (runc) list.push({ name: 'runc', argv: [runc], binary: runc });
  const crun = which('crun');
  if (crun) {
    const dir = join(work, 'crun-wrapper');
    mkdirSync(dir, { recursive: true });
    const wrapper = join(dir, 'crun');
    writeFileSync(wrapper, `#!/bin/sh\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec ${crun} "$@"' crun "$@"\n`);
    chmodSync(wrapper, 0o755);
    list.push({ name: 'crun', argv: [wrapper], binary: wrapper });
  }
  for (const rt of list) {
    rt.root = join(work, `root-${rt.name}`);
    rt.cmd = (...args) => [...rt.argv, '--root', rt.root, ...args];
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Running and timing.

/** spawnSync with the engine-like environment and a bound; throws with stderr on failure. */
export function runSync(argv, { cwd, timeout = 60_000, check = true, env = ENV, stdout = 'ignore' } = {}) {
  const [cmd, ...args] = argv;
  const t0 = process.hrtime.bigint();
  // stderr goes to a pipe only for processes that leave nothing behind holding it; a `create`
  // leaves the init with the caller's stdio, so callers pass stdio they own through `runAsync`.
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', stdout, 'pipe'], env, timeout, killSignal: 'SIGKILL', encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (check && r.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${r.error?.message ?? r.signal ?? r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  }
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Runs a command asynchronously, its stdio /dev/null but for stderr, read through a pipe that
 * is given up when the command exits (an init it leaves behind may keep the pipe open).
 */
const inFlight = new Set();
// Commands still running when cleanup starts (Ctrl-C) are killed before anything is removed.
const killInFlight = () => { for (const c of inFlight) try { c.kill('SIGKILL'); } catch { /* gone */ } };
export function runAsync(argv, { cwd, timeout = 60_000, env = ENV } = {}) {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env });
    inFlight.add(child);
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, sig) => {
      inFlight.delete(child);
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      child.stderr.destroy();
      if (code === 0) resolve({ ms });
      else reject(new Error(`${argv.join(' ')} failed (${sig ?? code}): ${stderr.slice(-2000)}`));
    });
  });
}

/** The median wall time in ms of `n` runs of `argvFor(i)` (a sync command line). */
export function timeSync(n, argvFor, opts = {}) {
  const times = [];
  for (let i = 0; i < n; i++) times.push(runSync(argvFor(i), opts).ms);
  return median(times);
}
