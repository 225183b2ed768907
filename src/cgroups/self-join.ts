// The v1 pids hierarchy is joined by the init itself, just before its execve
// (see CgroupManager.ownPidsDirectory): Node's threads would otherwise count against
// pids.max for the init's whole life, and Node cannot even start under a small limit.
//
// The runtime opens the `cgroup.procs` files and hands them over as fds: the init has
// left the host's filesystem by the time it needs them. Writing "0" moves the writer
// (all its threads); the kernel checks the permission against the opener, root.
//
// A new cgroup namespace is rooted where its creator is at unshare time, so the init
// steps into the container's pids cgroup around that unshare and back out to where it
// was started (`leave`), or the container would see the host's whole pids tree.
import { closeSync, constants as fsc, openSync, writeSync } from 'node:fs';
import * as path from 'node:path/posix';
import { O_CLOEXEC } from '../../ffi/constants.js';
import { fromNodeError, withContext } from '../errors.js';
import { detectCgroupLayout, type CgroupLayout } from './layout.js';
import type { CgroupManager } from './manager.js';

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
