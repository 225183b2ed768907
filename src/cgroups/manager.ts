/**
 * The cgroup manager: puts a container's processes into its own cgroup in every hierarchy, and finds, freezes,
 * signals and removes them again (runc's `cgroups.Manager` for the cgroupfs driver, v1 `fs` and v2 `fs2`).
 * `applyResources` writes the resource limits (resources.ts, through the per-controller modules of controllers.ts).
 *
 * A manager is only a map `paths` (controller, or `''` for cgroup2 → absolute directory) plus the layout mode.
 * That map is what the state file keeps: later commands rebuild the manager from it (`loadCgroupManager`) instead of
 * resolving cgroupsPath again, because they do not get the same flags and the runtime's own cgroup may differ.
 */
import * as path from 'node:path/posix';

import { type CgroupFs, nodeCgroupFs } from './cgroup-fs.js';
import { sleepSync } from '../sleep.js';
import { parseCgroupsPath, parseSystemdCgroupsPath, resolveCgroupPaths } from './cgroups-path.js';
import { controllerSupport } from './controllers.js';
import { CgroupError, errnoCode, fsError } from './errors.js';
import { parsePidList, readCgroupFile, writeCgroupFile } from './files.js';
import { type CgroupMode, detectCgroupLayout } from './layout.js';
import { type ApplyResourcesOptions, applyCgroupResources } from './resources.js';
import type { LinuxResources } from './resource-values.js';
import { readV1FreezerState, setV1Frozen } from './v1/freezer.js';
import { isV2Frozen, setV2Frozen } from './v2/freezer.js';
import type { CgroupStats } from './stats.js';
import { readV1OomKillCount, readV1Stats } from './v1/stats.js';
import { readV2OomKillCount, readV2Stats } from './v2/stats.js';

/** What the state file stores; `loadCgroupManager` takes it back. */
export interface SavedCgroupManager {
  version: 1;
  mode: CgroupMode;
  /** Controller (`cpu`, `name=systemd`…) or `''` for the cgroup2 directory → absolute directory. */
  paths: Record<string, string>;
}

export interface CgroupManagerOptions {
  /** Container id: the default cgroup name when cgroupsPath is empty. */
  id: string;
  /** `linux.cgroupsPath` from config.json. */
  cgroupsPath?: string;
  /** `--systemd-cgroup`: cgroupsPath is `slice:prefix:name` and systemd owns the cgroup tree. */
  systemd?: boolean;
  /** Stands for /sys/fs/cgroup (tests use a temp dir). */
  root?: string;
  /** Text of /proc/self/cgroup; read from the file when absent. */
  selfCgroup?: string;
  /** Text of /proc/self/mountinfo; read from the file when absent. */
  mountinfo?: string;
  /** The directory whose existence means systemd runs (sd_booted(3)); for tests. */
  systemdRunDir?: string;
  /** Filesystem calls; tests pass a fake cgroupfs. */
  fs?: CgroupFs;
}

/**
 * The order in which hierarchies are asked for the member pids: v1 ones first, as runc (which reads `devices`);
 * any hierarchy has every process of the container, these are simply the ones that are nearly always mounted.
 * `pids` comes last of them: an init joins it only just before its execve (see `ownPidsDirectory`).
 */
const PIDS_PREFERENCE = [
  'devices',
  'freezer',
  'memory',
  'cpu',
  'cpuacct',
  'cpuset',
  'blkio',
  'name=systemd',
  'pids',
  '',
];

/** How long destroy() keeps retrying rmdir on EBUSY, for all directories together (runc retries ~1 s too). */
const DESTROY_RETRY_MS = 1000;

export class CgroupManager {
  readonly mode: CgroupMode;
  readonly #paths: Readonly<Record<string, string>>;
  readonly #fs: CgroupFs;

  constructor(mode: CgroupMode, paths: Record<string, string>, fs: CgroupFs = nodeCgroupFs) {
    this.mode = mode;
    this.#paths = Object.freeze({ ...paths });
    this.#fs = fs;
  }

  /** Controller (or `''` for cgroup2) → absolute directory. */
  get paths(): Readonly<Record<string, string>> {
    return this.#paths;
  }

  /** The directory of one controller (`''` for cgroup2), if that hierarchy is used. */
  path(key: string): string | undefined {
    return this.#paths[key];
  }

  /** Each directory once (co-mounted controllers share one), with the keys that live there. */
  #directories(): Map<string, string[]> {
    const dirs = new Map<string, string[]>();
    for (const [key, dir] of Object.entries(this.#paths)) dirs.set(dir, [...(dirs.get(dir) ?? []), key]);
    return dirs;
  }

  /** The directory that answers "which processes are in the container". */
  #membershipDir(): string | undefined {
    for (const key of PIDS_PREFERENCE) if (this.#paths[key] !== undefined) return this.#paths[key];
    return Object.values(this.#paths)[0];
  }

  /** mkdir -p with mode 0755, creating only the missing levels. */
  #mkdirAll(dir: string): void {
    const missing: string[] = [];
    for (let current = dir; !this.#fs.isDirectory(current); current = path.dirname(current)) {
      if (current === path.dirname(current)) break;
      missing.unshift(current);
    }
    for (const level of missing) {
      try {
        this.#fs.mkdir(level, 0o755);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw fsError('mkdir', level, err);
      }
    }
  }

  /** Make the cgroup directories and prepare them for tasks (cpuset values on v1). Idempotent. */
  create(): void {
    for (const [dir, keys] of this.#directories()) {
      this.#mkdirAll(dir);
      for (const key of keys) controllerSupport(key).prepare?.(this.#fs, dir);
    }
  }

  /**
   * Move process `pid` (all its threads) into the cgroup, in every hierarchy, or only into those that account
   * memory (v1 `memory`; the cgroup2 directory in unified mode), or all the others: the runtime moves a fresh
   * init in two steps so that Node's start-up is charged to the runtime's memory cgroup. Directories in
   * `except` are left out (the init joins the v1 pids hierarchy by itself, see `ownPidsDirectory`).
   */
  addProcess(pid: number, which: 'all' | 'memory' | 'all but memory' = 'all', except: readonly string[] = []): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new CgroupError(`invalid pid ${pid}`);
    for (const [dir, keys] of this.#directories()) {
      if (except.includes(dir)) continue;
      const accountsMemory = keys.includes('memory') || (this.mode === 'unified' && keys.includes(''));
      if (which === 'memory' && !accountsMemory) continue;
      if (which === 'all but memory' && accountsMemory) continue;
      writeCgroupFile(this.#fs, dir, 'cgroup.procs', `${pid}`);
    }
  }

  /**
   * The directory of the v1 `pids` controller when it is a hierarchy that accounts nothing else we join
   * separately (not co-mounted with memory), else undefined (cgroup2: one directory for everything).
   * A Node init has several threads, and each counts against pids.max until its execve ends them; the
   * kernel checks the limit only when a task is made, not when one moves in, so the init moves itself
   * into this directory just before execve and no thread of Node's is ever counted.
   */
  ownPidsDirectory(): string | undefined {
    if (this.mode === 'unified') return undefined;
    const dir = this.#paths['pids'];
    if (dir === undefined) return undefined;
    return this.#directories().get(dir)!.includes('memory') ? undefined : dir;
  }

  /** Whether the cgroup directory exists (it is gone after destroy(), or never made). */
  exists(): boolean {
    const dir = this.#membershipDir();
    return dir !== undefined && this.#fs.isDirectory(dir);
  }

  /**
   * Every process in the cgroup and its child cgroups, sorted. A cgroup that does not exist has none; child
   * cgroups that vanish while we walk are skipped (processes may be exiting).
   */
  pids(): number[] {
    const top = this.#membershipDir();
    if (top === undefined) return [];
    const found = new Set<number>();
    const walk = (dir: string): void => {
      let text: string;
      let children: string[];
      try {
        text = this.#fs.readFile(path.join(dir, 'cgroup.procs'));
        children = this.#fs.subdirectories(dir);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return;
        throw fsError('read', path.join(dir, 'cgroup.procs'), err);
      }
      for (const pid of parsePidList(text)) found.add(pid);
      for (const child of children) walk(path.join(dir, child));
    };
    walk(top);
    return [...found].sort((a, b) => a - b);
  }

  /** The freezer to use: v1 `freezer` when mounted (runc's fs driver in hybrid mode), else cgroup2. */
  #freezer(): { version: 1 | 2; dir: string } | undefined {
    if (this.#paths.freezer !== undefined) return { version: 1, dir: this.#paths.freezer };
    if (this.#paths[''] !== undefined) return { version: 2, dir: this.#paths[''] };
    return undefined;
  }

  /**
   * Frozen (paused) or being frozen. A cgroup without a freezer, or one that no longer exists, is not frozen:
   * callers derive the container status from this and handle a missing cgroup through the pid.
   */
  isFrozen(): boolean {
    const freezer = this.#freezer();
    if (freezer === undefined) return false;
    try {
      return freezer.version === 1
        ? readV1FreezerState(this.#fs, freezer.dir) !== 'THAWED'
        : isV2Frozen(this.#fs, freezer.dir);
    } catch (err) {
      if (err instanceof CgroupError && err.code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Freeze every process of the cgroup, waiting until the kernel reports it frozen. */
  freeze(): void {
    this.#setFrozen(true);
  }

  /** Undo freeze(). */
  thaw(): void {
    this.#setFrozen(false);
  }

  #setFrozen(frozen: boolean): void {
    const freezer = this.#freezer();
    if (freezer === undefined) throw new CgroupError('no freezer: neither the v1 freezer nor cgroup2 is in use');
    if (freezer.version === 1) setV1Frozen(this.#fs, freezer.dir, frozen);
    else setV2Frozen(this.#fs, freezer.dir, frozen);
  }

  /**
   * Send `signal` to every process in the cgroup (`kill --all`, `delete --force`); returns the pids signalled.
   * As runc does, the cgroup is frozen around the listing and the kills so a forking process cannot leave a child
   * behind; freezing is best effort (no freezer, or one that does not settle, still signals). A cgroup that was
   * already paused stays paused, except for SIGKILL, which only takes effect once the tasks are thawed.
   */
  signalAll(signal: NodeJS.Signals | number = 'SIGKILL'): number[] {
    const wasFrozen = this.isFrozen();
    let frozeHere = false;
    if (!wasFrozen && this.exists()) {
      try {
        this.freeze();
        frozeHere = true;
      } catch {
        // Signal anyway; a missed fork is caught by the caller's wait-and-retry loop (delete --force polls).
      }
    }
    const signalled: number[] = [];
    try {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, signal);
          signalled.push(pid);
        } catch (err) {
          if (errnoCode(err) !== 'ESRCH') throw fsError('kill', `${pid}`, err);
        }
      }
    } finally {
      const isKill = signal === 'SIGKILL' || signal === 9;
      if (frozeHere || (wasFrozen && isKill)) this.thaw();
    }
    return signalled;
  }

  /**
   * Remove the cgroup directories, child cgroups first. rmdir fails with EBUSY while tasks are still leaving
   * (a killed process stays a member until it is reaped), so EBUSY is retried with growing sleeps for about a
   * second in total. A missing directory is fine. Every directory is tried; failures are reported together.
   */
  destroy(): void {
    const deadline = Date.now() + DESTROY_RETRY_MS;
    const failures: CgroupError[] = [];
    for (const dir of this.#directories().keys()) {
      try {
        this.#removeTree(dir, deadline);
      } catch (err) {
        if (!(err instanceof CgroupError)) throw err;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new CgroupError(failures.map((f) => f.message).join('; '), {
        code: failures[0]!.code,
        op: failures[0]!.op,
        path: failures[0]!.path,
        cause: failures,
      });
    }
  }

  #removeTree(dir: string, deadline: number): void {
    let children: string[];
    try {
      children = this.#fs.subdirectories(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw fsError('readdir', dir, err);
    }
    for (const child of children) this.#removeTree(path.join(dir, child), deadline);
    this.#rmdirRetrying(dir, deadline);
  }

  #rmdirRetrying(dir: string, deadline: number): void {
    for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
      try {
        this.#fs.rmdir(dir);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') return;
        if (code === 'EINTR') continue;
        if (code !== 'EBUSY' || Date.now() >= deadline) throw this.#rmdirError(dir, err);
      }
      sleepSync(delay);
    }
  }

  /** Say why a cgroup could not go: the pids still in it, when that is the reason. */
  #rmdirError(dir: string, err: unknown): CgroupError {
    const base = fsError('rmdir', dir, err);
    if (base.code !== 'EBUSY') return base;
    let pids: number[] = [];
    try {
      pids = parsePidList(readCgroupFile(this.#fs, dir, 'cgroup.procs'));
    } catch {
      // Keep the plain EBUSY message.
    }
    if (pids.length === 0) return base;
    return new CgroupError(`${base.message} (the cgroup still has processes: ${pids.join(', ')})`, {
      code: base.code,
      op: base.op,
      path: base.path,
      cause: err,
    });
  }

  /**
   * The container's resource usage (what `events` reports). Cgroup v2 only in unified mode: in hybrid mode the
   * v1 controllers hold the accounting (runc's fs driver reads only those too).
   */
  stats(): CgroupStats {
    if (this.mode === 'unified') {
      const dir = this.#paths[''];
      if (dir === undefined) throw new CgroupError('no cgroup2 directory in use');
      return readV2Stats(this.#fs, dir);
    }
    return readV1Stats(this.#fs, this.#paths);
  }

  /** OOM kills in the container's memory cgroup so far; undefined without memory accounting. */
  oomKillCount(): bigint | undefined {
    const dir = this.mode === 'unified' ? this.#paths[''] : this.#paths.memory;
    if (dir === undefined) return undefined;
    return this.mode === 'unified' ? readV2OomKillCount(this.#fs, dir) : readV1OomKillCount(this.#fs, dir);
  }

  /**
   * Write `linux.resources` into the cgroup (runc's `Set`): at create before the init joins, and again on
   * `update`. Errors name the file and errno; see resources.ts.
   */
  applyResources(resources: LinuxResources | undefined, options: ApplyResourcesOptions = {}): void {
    applyCgroupResources(this.#fs, this.mode, this.#paths, resources, options);
  }

  toJSON(): SavedCgroupManager {
    return { version: 1, mode: this.mode, paths: { ...this.#paths } };
  }
}

/** Whether systemd is the init system, the way sd_booted(3) checks it. */
function isSystemdRunning(fs: CgroupFs, runDir: string): boolean {
  return fs.isDirectory(runDir);
}

/**
 * Resolve where the container's cgroup is (no directory is made until create()).
 *
 * With `systemd` set the cgroupsPath syntax is checked, but the systemd driver itself is not implemented: it
 * needs systemd to create a transient scope over D-Bus, and pretending with plain directories would let the
 * container run outside systemd's accounting.
 */
export function createCgroupManager(options: CgroupManagerOptions): CgroupManager {
  const fs = options.fs ?? nodeCgroupFs;
  if (options.systemd) {
    parseSystemdCgroupsPath(options.cgroupsPath, options.id);
    if (!isSystemdRunning(fs, options.systemdRunDir ?? '/run/systemd/system')) {
      throw new CgroupError(
        'systemd cgroup driver: systemd is not running (use the cgroupfs driver: omit --systemd-cgroup)',
      );
    }
    throw new CgroupError('systemd cgroup driver: not supported yet (use the cgroupfs driver: omit --systemd-cgroup)');
  }
  const inner = parseCgroupsPath(options.cgroupsPath, options.id);
  const layout = detectCgroupLayout({
    root: options.root,
    selfCgroup: options.selfCgroup,
    mountinfo: options.mountinfo,
  });
  return new CgroupManager(layout.mode, resolveCgroupPaths(layout, inner), fs);
}

/** Rebuild a manager from what toJSON() gave, without resolving anything again. */
export function loadCgroupManager(saved: unknown, fs: CgroupFs = nodeCgroupFs): CgroupManager {
  const s = saved as Partial<SavedCgroupManager> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1) {
    throw new CgroupError('saved cgroup state: unknown format (expected version 1)');
  }
  if (s.mode !== 'unified' && s.mode !== 'legacy' && s.mode !== 'hybrid') {
    throw new CgroupError(`saved cgroup state: unknown mode ${JSON.stringify(s.mode)}`);
  }
  if (s.paths === null || typeof s.paths !== 'object') throw new CgroupError('saved cgroup state: paths missing');
  for (const [key, dir] of Object.entries(s.paths)) {
    if (typeof dir !== 'string' || !path.isAbsolute(dir) || path.normalize(dir) !== dir) {
      throw new CgroupError(`saved cgroup state: path of ${JSON.stringify(key)} is not a clean absolute path`);
    }
  }
  return new CgroupManager(s.mode, s.paths, fs);
}
