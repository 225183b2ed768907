// A private containerd for a test: every dir it writes (root, state, sockets, opt, a rootfs
// copy) in one temp dir named `<prefix><test pid>-`, driven with `ctr`; and the sweep of what an
// earlier run of the same test, killed before its teardown, left behind.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OCIRT, ROOTFS, processesWith, mountsUnder, type Result } from './helpers.js';

export const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Daemon {
  dir: string;
  sock: string;
  ns: string;
  state: string;
  runcRoot: string;
  fifoDir: string;
  rootfs: string;
  proc: ChildProcess;
  exited: Promise<void>;
}

export interface DaemonOptions {
  /** Names the temp dir and the default ctr namespace. */
  prefix: string;
  /** TOML appended to the base config (root, state, sockets, opt); given the daemon's dir. */
  config?: (dir: string) => string[];
  /** Keep the CRI plugin (it is disabled by default: the daemon then starts in a few ms). */
  cri?: boolean;
  /** argv put before `containerd` (e.g. `unshare --mount`). */
  wrap?: string[];
  /** The namespace ctr talks to, default the prefix and pid. */
  ns?: string;
}

/** Cgroup directories named `name` directly under each hierarchy's root. */
export function cgroupParents(name: string): string[] {
  const found: string[] = [];
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  for (const ctrl of v2 ? [''] : readdirSync('/sys/fs/cgroup')) {
    const p = join('/sys/fs/cgroup', ctrl, name);
    if (existsSync(p)) found.push(p);
  }
  return found;
}

/** rmdir a cgroup tree bottom-up (cgroup dirs go away with rmdir once they hold no process). */
export function removeCgroupTree(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try { rmdirSync(dir); } catch { /* busy or gone */ }
}

export function killAll(marker: string): void {
  for (const pid of processesWith(marker)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

export const lsDir = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/**
 * A shim killed before it could clean up leaves its socket in /run/containerd/s, named by the
 * sha256 of `<containerd address>/<namespace>/<id>`; remove those of our daemon's tasks.
 */
export function removeShimSockets(dir: string): void {
  const tasks = join(dir, 'state', 'io.containerd.runtime.v2.task');
  for (const ns of lsDir(tasks)) {
    for (const id of lsDir(join(tasks, ns))) {
      const hash = createHash('sha256').update(`${join(dir, 'containerd.sock')}/${ns}/${id}`).digest('hex');
      rmSync(join('/run/containerd/s', hash), { force: true });
    }
  }
}

/** Containers left in each namespace dir of a runtime root: `RUNTIME delete --force` them. */
export function deleteContainersUnder(runtimeRoot: string, runtime = OCIRT): void {
  for (const ns of lsDir(runtimeRoot)) {
    for (const id of lsDir(join(runtimeRoot, ns))) {
      spawnSync(runtime, ['--root', join(runtimeRoot, ns), 'delete', '--force', id], { timeout: 30_000 });
    }
  }
}

/**
 * Removes what an earlier run with this prefix, killed before its teardown, left: daemon, shims,
 * containers, mounts, dirs, cgroups. `extra` removes what only that test makes.
 */
export function sweepStale(prefix: string, extra: (dir: string, pid: number) => void = () => {}): void {
  for (const name of readdirSync(tmpdir())) {
    const m = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // that test is still running
    } catch { /* dead: sweep */ }
    const dir = join(tmpdir(), name);
    killAll(dir);
    removeShimSockets(dir);
    deleteContainersUnder(join(dir, 'runc'));
    for (const mp of mountsUnder(dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp]);
    extra(dir, Number(m[1]));
    rmSync(dir, { recursive: true, force: true });
    for (const p of cgroupParents(`${prefix}${m[1]}`)) removeCgroupTree(p);
  }
}

export function ctrAt(d: Pick<Daemon, 'sock' | 'ns'>, args: string[], opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync('ctr', ['--address', d.sock, '--namespace', d.ns, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Starts the daemon and waits (bounded) until `ctr version` answers on its socket. */
export async function startContainerd(o: DaemonOptions): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `${o.prefix}${process.pid}-`));
  const d = {
    dir,
    sock: join(dir, 'containerd.sock'),
    ns: o.ns ?? `${o.prefix}${process.pid}`,
    state: join(dir, 'state'),
    runcRoot: join(dir, 'runc'),
    fifoDir: join(dir, 'fifo'),
    rootfs: join(dir, 'rootfs'),
  };
  mkdirSync(d.fifoDir);
  const cp = spawnSync('cp', ['-a', ROOTFS, d.rootfs], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp -a ${ROOTFS}: ${cp.stderr}`);
  const config = join(dir, 'config.toml');
  writeFileSync(config, [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${d.state}"`,
    ...(o.cri ? [] : ['disabled_plugins = ["io.containerd.grpc.v1.cri"]']),
    '[grpc]',
    `  address = "${d.sock}"`,
    '[ttrpc]',
    `  address = "${d.sock}.ttrpc"`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(dir, 'opt')}"`,
    ...(o.config?.(dir) ?? []),
    '',
  ].join('\n'));
  // tap's process-info hook adds its --import to NODE_OPTIONS of every child it spawns, whatever
  // env is passed; `env -i` gives containerd, its shims and so ocirt the bare environment a
  // service manager would.
  const proc = spawn('env', ['-i', `PATH=${SERVICE_PATH}`, ...(o.wrap ?? []), 'containerd', '--config', config, '--log-level', 'info'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let logText = '';
  proc.stderr!.on('data', (chunk) => { logText = (logText + chunk).slice(-20_000); });
  const exited = new Promise<void>((res) => proc.on('exit', () => res()));
  const daemon: Daemon = { ...d, proc, exited };
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) break;
    if (existsSync(d.sock) && ctrAt(daemon, ['version']).status === 0) return daemon;
    await sleep(50);
  }
  proc.kill('SIGKILL');
  await exited;
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`containerd did not come up: ${logText.slice(-2000)}`);
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
export async function stopContainerd(d: Daemon): Promise<void> {
  d.proc.kill('SIGTERM');
  await Promise.race([d.exited, sleep(10_000)]);
  if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
  await d.exited;
}
