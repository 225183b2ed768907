/**
 * The cgroup manager: puts a container's processes into its own cgroup in every hierarchy, writes its resource
 * limits, and finds, freezes, signals and removes them again (runc's `cgroups.Manager`). `CgroupManager` is what
 * callers use; a driver per layout implements it (cgroupfs-driver.ts and v1/, v2/, hybrid/).
 *
 * A manager is only a map `paths` (controller, or `''` for cgroup2 → absolute directory) plus the layout mode.
 * That map is what the state file keeps: later commands rebuild the manager from it (`loadCgroupManager`) instead of
 * resolving cgroupsPath again, because they do not get the same flags and the runtime's own cgroup may differ.
 */
import { type CgroupFs, nodeCgroupFs } from './cgroup-fs.js';
import { parseCgroupsPath, parseSystemdCgroupsPath, resolveCgroupPaths } from './cgroups-path.js';
import { CgroupError } from './errors.js';
import { HybridDriver } from './hybrid/driver.js';
import { checkSavedCgroup, type SavedCgroupManager } from './saved.js';
import { type CgroupMode, detectCgroupLayout } from './layout.js';
import type { ApplyResourcesOptions } from './resources.js';
import type { LinuxResources } from './resource-values.js';
import type { CgroupStats } from './stats.js';
import { V1Driver } from './v1/driver.js';
import { V2Driver } from './v2/driver.js';

export type { SavedCgroupManager };

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
 * Which of the container's directories `addProcess` writes to: all, only the one that accounts memory (v1
 * `memory`; the cgroup2 directory on a unified host), or all the others. The runtime moves a fresh init in two
 * steps so that Node's start-up is charged to the runtime's memory cgroup.
 */
export type JoinedControllers = 'all' | 'memory' | 'all but memory';

export interface CgroupManager {
  /** The layout the cgroup lives in. */
  readonly mode: CgroupMode;
  /** Controller (or `''` for cgroup2) → absolute directory. */
  readonly paths: Readonly<Record<string, string>>;
  /** The directory of one controller (`''` for cgroup2), if that hierarchy is used. */
  path(key: string): string | undefined;
  /** Make the cgroup directories and prepare them for tasks (cpuset values on v1). Idempotent. */
  create(): void;
  /**
   * Write `linux.resources` into the cgroup (runc's `Set`): at create before the init joins, and again on
   * `update`. Errors name the file and errno; see resources.ts.
   */
  applyResources(resources: LinuxResources | undefined, options?: ApplyResourcesOptions): void;
  /** Move process `pid` (all its threads) into the cgroup; directories in `except` are left out. */
  addProcess(pid: number, which?: JoinedControllers, except?: readonly string[]): void;
  /**
   * The directory of the v1 `pids` controller when it is a hierarchy that accounts nothing else we join
   * separately (not co-mounted with memory), else undefined (cgroup2: one directory for everything).
   * An init has several threads, and each counts against pids.max until its execve ends them; the
   * kernel checks the limit only when a task is made, not when one moves in, so under a small limit
   * the init moves itself into this directory just before execve and none of its threads is ever
   * counted (src/cgroups/self-join.ts).
   */
  ownPidsDirectory(): string | undefined;
  /** Whether the cgroup directory exists (it is gone after destroy(), or never made). */
  exists(): boolean;
  /** Whether the container's cgroup is over, for `events`: its processes gone (v2) or its directory (v1). */
  hasEnded(): boolean;
  /**
   * Every process in the cgroup and its child cgroups, sorted. A cgroup that does not exist has none; child
   * cgroups that vanish while we walk are skipped (processes may be exiting).
   */
  pids(): number[];
  /**
   * Frozen (paused) or being frozen. A cgroup without a freezer, or one that no longer exists, is not frozen:
   * callers derive the container status from this and handle a missing cgroup through the pid.
   */
  isFrozen(): boolean;
  /** Freeze every process of the cgroup, waiting until the kernel reports it frozen. */
  freeze(): void;
  /** Undo freeze(). */
  thaw(): void;
  /**
   * Send `signal` to every process in the cgroup (`kill --all`, `delete --force`); returns the pids signalled.
   * As runc does, the cgroup is frozen around the listing and the kills so a forking process cannot leave a child
   * behind; freezing is best effort (no freezer, or one that does not settle, still signals). A cgroup that was
   * already paused stays paused, except for SIGKILL, which only takes effect once the tasks are thawed.
   */
  signalAll(signal?: NodeJS.Signals | number): number[];
  /**
   * Remove the cgroup directories, child cgroups first. rmdir fails with EBUSY while tasks are still leaving
   * (a killed process stays a member until it is reaped), so EBUSY is retried with growing sleeps for about a
   * second in total. A missing directory is fine. Every directory is tried; failures are reported together.
   */
  destroy(): void;
  /** The container's resource usage (what `events` reports). */
  stats(): CgroupStats;
  /** OOM kills in the container's memory cgroup so far; undefined without memory accounting. */
  oomKillCount(): bigint | undefined;
  /** What the state file keeps. */
  toJSON(): SavedCgroupManager;
}

type DriverFactory = (paths: Record<string, string>, fs: CgroupFs) => CgroupManager;

/** The driver for each layout (cgroupfs); a systemd driver plugs in here, picked by the `systemd` option. */
const DRIVERS: Readonly<Record<CgroupMode, DriverFactory>> = {
  legacy: (paths, fs) => new V1Driver(paths, fs),
  unified: (paths, fs) => new V2Driver(paths, fs),
  hybrid: (paths, fs) => new HybridDriver(paths, fs),
};

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
  return DRIVERS[layout.mode](resolveCgroupPaths(layout, inner), fs);
}

/** Rebuild a manager from what toJSON() gave, without resolving anything again. */
export function loadCgroupManager(saved: unknown, fs: CgroupFs = nodeCgroupFs): CgroupManager {
  const { mode, paths } = checkSavedCgroup(saved);
  return DRIVERS[mode](paths, fs);
}
