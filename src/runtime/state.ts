// `state` and `list`: the OCI state of one or all containers.
import { readFileSync, statSync } from 'node:fs';
import { ociState, type OciState } from './oci-state.js';
import { withContainer, loadContainer } from './container.js';
import type { RuntimeContext } from './context.js';
import { errorMessage } from '../errors.js';

export async function containerState(ctx: RuntimeContext, id: string): Promise<OciState> {
  return withContainer(ctx, id, (c) => ociState(c.record, c.status));
}

/** Every container under the root; ones that cannot be read are reported and skipped, like runc. */
export function listContainers(ctx: RuntimeContext): OciState[] {
  const out: OciState[] = [];
  for (const id of ctx.store.list()) {
    try {
      const c = loadContainer(ctx, id);
      out.push(ociState(c.record, c.status, ownerName(statSync(ctx.store.dir(id)).uid)));
    } catch (err) {
      ctx.log.warn(`${id}: ${errorMessage(err)}`);
    }
  }
  return out;
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
