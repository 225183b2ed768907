// `delete`: remove a stopped (or, with --force, any) container: kill what is left,
// remove its cgroup and state, then run the poststop hooks.
import { RuntimeError, NotFoundError, UnreadableStateError } from '../../errors.js';
import { loadCgroupManager } from '../../cgroups/index.js';
import { isSameLiveProcess } from '../../state/procfs.js';
import { loadContainer, hasPrivatePidNamespace, type Loaded } from '../shared/container.js';
import { signalContainer } from '../shared/signal.js';
import { runPoststop } from '../shared/poststop.js';
import { waitForExit } from '../shared/process-exit.js';
import { unmountHostMounts } from '../../rootfs/host-mounts.js';
import type { RuntimeContext } from '../shared/context.js';
import type { ContainerRecord } from '../../state/record.js';

const SIGKILL = 9;

export interface DeleteOptions { force?: boolean }

export async function deleteContainer(ctx: RuntimeContext, id: string, opts: DeleteOptions = {}): Promise<void> {
  let lock;
  try {
    lock = await ctx.store.lock(id);
  } catch (err) {
    if (err instanceof NotFoundError && opts.force) return;
    throw err;
  }
  try {
    let c: Loaded;
    try {
      c = loadContainer(ctx, id);
    } catch (err) {
      // A directory without state is what an interrupted create leaves: undo it. With --force, so is
      // one whose state file is not ours (what its journal, if any, recorded is undone too).
      if (err instanceof NotFoundError || (opts.force && err instanceof UnreadableStateError)) {
        await undoInterruptedCreate(ctx, id);
        if (opts.force) return;
      }
      throw err;
    }
    switch (c.status) {
      case 'stopped':
        break;
      case 'created':
        await killAndWait(c);
        break;
      default:
        if (!opts.force) throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${c.status}`);
        await killAndWait(c);
    }
    destroy(ctx, c);
  } finally {
    lock.release();
  }
}

/**
 * A create killed half-way left its directory, maybe a cgroup and an init (which
 * exits by itself once it sees the runtime gone, unless it already reported ready):
 * its journal says what to kill and remove.
 */
async function undoInterruptedCreate(ctx: RuntimeContext, id: string): Promise<void> {
  const journal = ctx.store.readCreateJournal(id);
  if (journal?.pid && journal.pidStartTime && isSameLiveProcess(journal.pid, journal.pidStartTime)) {
    try { process.kill(journal.pid, SIGKILL); } catch { /* gone */ }
    waitForExit(journal.pid, journal.pidStartTime, 10_000);
  }
  if (journal?.cgroup) {
    const cgroup = loadCgroupManager(journal.cgroup);
    try { cgroup.signalAll(SIGKILL); } catch { /* nothing left */ }
    cgroup.destroy();
  }
  if (journal?.hostMounts) unmountHostMounts(journal.hostMounts, (msg) => ctx.log.warn(msg));
  ctx.store.remove(id);
}

async function killAndWait(c: Loaded): Promise<void> {
  try {
    signalContainer(c.record, SIGKILL, !hasPrivatePidNamespace(c.record));
  } catch {
    // Already gone.
  }
  // Up to 10 s, like runc.
  if (!waitForExit(c.record.pid, c.record.pidStartTime, 10_000)) throw new RuntimeError('container init still running');
}

/** Removes what is left of a stopped container; poststop failures are only warnings. */
export function destroy(ctx: RuntimeContext, c: Loaded): void {
  const cgroup = loadCgroupManager(c.record.cgroup);
  if (!hasPrivatePidNamespace(c.record)) {
    try { cgroup.signalAll(SIGKILL); } catch { /* nothing left */ }
  }
  cgroup.destroy();
  // Without a mount namespace, create's mounts are in the host's until removed here.
  if (c.record.hostMounts) unmountHostMounts(c.record.hostMounts, (msg) => ctx.log.warn(msg));
  ctx.store.remove(c.record.id);
  runPoststop(ctx, c.record);
}
