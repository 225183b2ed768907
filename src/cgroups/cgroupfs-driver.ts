/**
 * What every cgroupfs driver shares: the cgroup is a map `paths` (controller, or `''` for cgroup2 → absolute
 * directory), made with mkdir and removed with rmdir, joined through `cgroup.procs`, listed by walking the
 * directories and frozen through whichever freezer the layout has. The drivers (v1/, v2/, hybrid/) say what
 * differs by layout: which directory accounts memory, which freezer there is, and how stats and
 * resources are read and written.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from './cgroup-fs.js';
import { controllerSupport } from './controllers.js';
import { CgroupError, errnoCode, fsError } from './errors.js';
import { parsePidList, readCgroupFile, writeCgroupFile } from './files.js';
import { freezerFor } from './freezer.js';
import type { CgroupMode } from './layout.js';
import type { CgroupManager, JoinedControllers } from './manager.js';
import type { SavedCgroupManager } from './saved.js';
import type { ApplyResourcesOptions } from './resources.js';
import type { LinuxResources } from './resource-values.js';
import type { CgroupStats } from './stats.js';
import { sleepSync } from '../sleep.js';

/**
 * The order in which hierarchies are asked for the member pids: v1 ones first, as runc (which reads `devices`);
 * any hierarchy has every process of the container, these are simply the ones that are nearly always mounted.
 * `pids` comes last of them: under a small limit an init joins it only just before its execve (see `ownPidsDirectory`).
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

export abstract class CgroupfsDriver implements CgroupManager {
  abstract readonly mode: CgroupMode;
  readonly #paths: Readonly<Record<string, string>>;
  protected readonly fs: CgroupFs;

  constructor(paths: Record<string, string>, fs: CgroupFs) {
    this.#paths = Object.freeze({ ...paths });
    this.fs = fs;
  }

  /** Whether the directory holding `keys` (the controllers that share it) is the one that accounts memory. */
  protected abstract accountsMemory(keys: readonly string[]): boolean;
  abstract applyResources(resources: LinuxResources | undefined, options?: ApplyResourcesOptions): void;
  abstract ownPidsDirectory(): string | undefined;
  abstract hasEnded(): boolean;
  abstract stats(): CgroupStats;
  abstract oomKillCount(): bigint | undefined;

  get paths(): Readonly<Record<string, string>> {
    return this.#paths;
  }

  path(key: string): string | undefined {
    return this.#paths[key];
  }

  /** Each directory once (co-mounted controllers share one), with the keys that live there. */
  protected directories(): Map<string, string[]> {
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
    for (let current = dir; !this.fs.isDirectory(current); current = path.dirname(current)) {
      if (current === path.dirname(current)) break;
      missing.unshift(current);
    }
    for (const level of missing) {
      try {
        this.fs.mkdir(level, 0o755);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw fsError('mkdir', level, err);
      }
    }
  }

  create(): void {
    for (const [dir, keys] of this.directories()) {
      this.#mkdirAll(dir);
      for (const key of keys) controllerSupport(key).prepare?.(this.fs, dir);
    }
  }

  addProcess(pid: number, which: JoinedControllers = 'all', except: readonly string[] = []): void {
    if (!Number.isInteger(pid) || pid <= 0) throw new CgroupError(`invalid pid ${pid}`);
    for (const [dir, keys] of this.directories()) {
      if (except.includes(dir)) continue;
      const accountsMemory = this.accountsMemory(keys);
      if (which === 'memory' && !accountsMemory) continue;
      if (which === 'all but memory' && accountsMemory) continue;
      writeCgroupFile(this.fs, dir, 'cgroup.procs', `${pid}`);
    }
  }

  exists(): boolean {
    const dir = this.#membershipDir();
    return dir !== undefined && this.fs.isDirectory(dir);
  }

  pids(): number[] {
    const top = this.#membershipDir();
    if (top === undefined) return [];
    const found = new Set<number>();
    const walk = (dir: string): void => {
      let text: string;
      let children: string[];
      try {
        text = this.fs.readFile(path.join(dir, 'cgroup.procs'));
        children = this.fs.subdirectories(dir);
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

  isFrozen(): boolean {
    const freezer = freezerFor(this.fs, this.mode, this.#paths);
    if (freezer === undefined) return false;
    try {
      return freezer.isFrozen();
    } catch (err) {
      if (err instanceof CgroupError && err.code === 'ENOENT') return false;
      throw err;
    }
  }

  freeze(): void {
    this.#setFrozen(true);
  }

  thaw(): void {
    this.#setFrozen(false);
  }

  #setFrozen(frozen: boolean): void {
    const freezer = freezerFor(this.fs, this.mode, this.#paths);
    if (freezer === undefined) throw new CgroupError('no freezer: neither the v1 freezer nor cgroup2 is in use');
    freezer.setFrozen(frozen);
  }

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

  destroy(): void {
    const deadline = Date.now() + DESTROY_RETRY_MS;
    const failures: CgroupError[] = [];
    for (const dir of this.directories().keys()) {
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
      children = this.fs.subdirectories(dir);
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
        this.fs.rmdir(dir);
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
      pids = parsePidList(readCgroupFile(this.fs, dir, 'cgroup.procs'));
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

  toJSON(): SavedCgroupManager {
    return { version: 1, mode: this.mode, paths: { ...this.#paths } };
  }
}
