// `state` and `list`: the OCI state of one or all containers. Neither takes the
// container's lock (runc's `state` takes none): a create in progress holds it until
// it is done, and meanwhile the container shows as `creating`.
import { readFileSync, statSync } from 'node:fs';
import { ociState, creatingState, type OciState } from '../shared/oci-state.js';
import { loadContainer } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';
import { isSameLiveProcess } from '../../state/procfs.js';
import { NotFoundError, errorMessage } from '../../errors.js';

export async function containerState(ctx: RuntimeContext, id: string): Promise<OciState> {
  return peekContainer(ctx, id);
}

/** Every container under the root; ones that cannot be read are reported and skipped, like runc. */
export function listContainers(ctx: RuntimeContext): OciState[] {
  const out: OciState[] = [];
  for (const id of ctx.store.list()) {
    try {
      out.push(peekContainer(ctx, id, ownerName(statSync(ctx.store.dir(id)).uid)));
    } catch (err) {
      ctx.log.warn(`${id}: ${errorMessage(err)}`);
    }
  }
  return out;
}

/**
 * One container's state without its lock. Until state.json exists, the create journal tells a create in
 * progress (its runtime process still alive) from the leftover of one that was killed, which is no container.
 */
function peekContainer(ctx: RuntimeContext, id: string, owner = ''): OciState {
  try {
    return ociStateOf(ctx, id, owner);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    const journal = ctx.store.readCreateJournal(id);
    // The create may have finished between the two reads: its journal goes once state.json is there.
    if (!journal) return ociStateOf(ctx, id, owner);
    const creator = journal?.creator;
    if (!creator || !isSameLiveProcess(creator.pid, creator.startTime)) throw err;
    const initAlive = !!journal.pid && !!journal.pidStartTime && isSameLiveProcess(journal.pid, journal.pidStartTime);
    return creatingState(id, journal, initAlive, owner);
  }
}

function ociStateOf(ctx: RuntimeContext, id: string, owner: string): OciState {
  const c = loadContainer(ctx, id);
  return ociState(c.record, c.status, owner);
}

function ownerName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(uid) && f[0]) return f[0];
    }
  } catch { /* no passwd */ }
  return `#${uid}`;
}
