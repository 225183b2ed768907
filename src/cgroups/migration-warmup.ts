// Moving a process into a cgroup takes a kernel lock (cgroup_threadgroup_rwsem) whose
// writer first waits for an RCU grace period, unless another move ended less than a
// grace period before: 7-25 ms on a small VM, paid by the move of every fresh init, on
// the path of `create`, `run` and `exec`. Moving the runtime into the cgroup it is
// already in changes nothing but starts that wait. Made first, in a pool thread, it
// overlaps the wait with validation and the spawn, and the init's own move finds the
// lock warm. Best effort: where the runtime may not write its cgroup (rootless), or
// anything else fails, nothing is done and the init's move simply waits.
import { closeSync, openSync, write, constants as fsc } from 'node:fs';
import * as path from 'node:path/posix';
import { O_CLOEXEC } from '../../ffi/constants.js';
import { detectCgroupLayout, type CgroupLayout } from './layout.js';

/** The `cgroup.procs` of this process's own cgroup in the first hierarchy it is in. */
export function ownProcsFile(layout: CgroupLayout): string | undefined {
  const h = layout.hierarchies[0];
  if (h === undefined) return undefined;
  return path.join(h.mountPoint, path.relative(h.mountRoot, h.ownCgroup), 'cgroup.procs');
}

/**
 * Writes "0" (the writer itself) to our own `cgroup.procs`, asynchronously; `done`
 * (for tests) is called once the write has ended, with its error if any.
 */
export function warmUpCgroupMigration(layout?: CgroupLayout, done: (err: Error | null) => void = () => {}): void {
  let file: string | undefined;
  try {
    file = ownProcsFile(layout ?? detectCgroupLayout());
  } catch (err) {
    done(err as Error);
    return;
  }
  if (file === undefined) {
    done(null);
    return;
  }
  // Opened here, so that the write, the only call that waits, is queued at once: a
  // callback would run only when the command next yields to the event loop.
  let fd: number;
  try {
    fd = openSync(file, fsc.O_WRONLY | O_CLOEXEC);
  } catch (err) {
    done(err as Error);
    return;
  }
  write(fd, '0', (writeErr) => {
    closeSync(fd);
    done(writeErr);
  });
}
