// Under a small pids limit, the v1 pids hierarchy is joined by the init itself, just
// before its execve (see CgroupManager.ownPidsDirectory): the engine's threads would
// otherwise count against pids.max for the init's whole life, and it cannot even start
// under a small limit. Under no limit, or one that leaves room for them, the runtime
// moves the init into pids with the other hierarchies: a move of its own, later, would
// wait for a second RCU grace period (7-25 ms on a small VM) on `start`'s path.
//
// The runtime opens the `cgroup.procs` files and hands them over as fds: the init has
// left the host's filesystem by the time it needs them. Writing "0" moves the writer
// (all its threads); the kernel checks the permission against the opener, root.
//
// A new cgroup namespace is rooted where its creator is at unshare time, so the init
// steps into the container's pids cgroup around that unshare and back out to where it
// was started (`leave`), or the container would see the host's whole pids tree.
import { closeSync, constants as fsc, openSync, readFileSync, writeSync } from 'node:fs';
import * as path from 'node:path/posix';
import { O_CLOEXEC } from '../../ffi/constants.js';
import { fromNodeError, withContext } from '../errors.js';
import { detectCgroupLayout, type CgroupLayout } from './layout.js';
import type { CgroupManager } from './manager.js';

/**
 * Room for the init's own tasks (the engine's 4 to 8 threads, more on machines with many
 * cores) and for what the createContainer hooks fork: a pids limit at least this high
 * lets the runtime move the init into the pids cgroup at once.
 */
export const PIDS_ROOM_FOR_INIT = 64;

/** A container init joins pids by itself when the config limits pids below the room it needs (0 or less: no limit). */
export function initJoinsPidsItself(limit: number | undefined): boolean {
  return limit !== undefined && limit > 0 && limit < PIDS_ROOM_FOR_INIT;
}

/**
 * An exec init joins pids by itself unless the container's pids cgroup (`dir`) has no
 * limit or room for it beside the tasks it has now; an unreadable cgroup counts as full.
 */
export function execInitJoinsPidsItself(dir: string): boolean {
  try {
    const max = readFileSync(path.join(dir, 'pids.max'), 'utf8').trim();
    if (max === 'max') return false;
    const current = Number(readFileSync(path.join(dir, 'pids.current'), 'utf8'));
    return !(Number(max) - current >= PIDS_ROOM_FOR_INIT);
  } catch {
    return true;
  }
}

/** The runtime's side: the open `cgroup.procs` files, and the directory the runtime must leave out. */
export interface SelfJoinFiles {
  /** The container's pids directory (not to be joined by the runtime). */
  dir: string;
  /** `cgroup.procs` of the container's pids cgroup. */
  join: number;
  /** `cgroup.procs` of the pids cgroup the init starts in (the runtime's own). */
  leave?: number;
}

/** The fd numbers the init finds them at. */
export interface SelfJoinFds {
  join: number;
  leave?: number;
}

/**
 * Opens the files for an init that joins the pids hierarchy by itself, or returns
 * undefined when there is no separate pids hierarchy (cgroup2: the runtime moves it).
 * `withLeave`: the init makes a new cgroup namespace and must step back out.
 */
export function openSelfJoin(cg: CgroupManager, withLeave: boolean, layout?: CgroupLayout): SelfJoinFiles | undefined {
  const dir = cg.ownPidsDirectory();
  if (dir === undefined) return undefined;
  const join = openProcs(dir);
  if (!withLeave) return { dir, join };
  try {
    return { dir, join, leave: openProcs(ownPidsCgroup(layout ?? detectCgroupLayout())) };
  } catch (err) {
    closeSync(join);
    throw err;
  }
}

/** This process's own directory in the v1 pids hierarchy. */
export function ownPidsCgroup(layout: CgroupLayout): string {
  const h = layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes('pids'));
  if (h === undefined) throw withContext('pids cgroup', new Error('the runtime is in no v1 pids hierarchy'));
  return path.join(h.mountPoint, path.relative(h.mountRoot, h.ownCgroup));
}

function openProcs(dir: string): number {
  const file = path.join(dir, 'cgroup.procs');
  try {
    return openSync(file, fsc.O_WRONLY | O_CLOEXEC);
  } catch (err) {
    throw fromNodeError(err, 'open', file);
  }
}

/** The init's side: moves the calling process (all its threads) into the cgroup behind `fd`. */
export function moveSelf(fd: number, what: string): void {
  try {
    writeSync(fd, '0');
  } catch (err) {
    throw withContext(`join ${what}`, fromNodeError(err, 'write', 'cgroup.procs'));
  }
}
