// checkpoint / restore: saving a running container's processes to disk and bringing
// them back needs CRIU, which ocirt does not drive yet. The commands exist with
// runc's flags (engines probe them: Podman runs `checkpoint --help` and
// `restore --lsm-mount-context`), check what runc checks first, then refuse.
import { RuntimeError } from '../../errors.js';
import { loadBundleConfig } from '../../config/load.js';
import { withContainer } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';

const UNSUPPORTED = 'ocirt cannot checkpoint or restore containers: it has no CRIU support';

export async function checkpointContainer(ctx: RuntimeContext, id: string): Promise<never> {
  return withContainer(ctx, id, (c) => {
    if (c.status === 'created' || c.status === 'stopped') {
      throw new RuntimeError(`Container cannot be checkpointed in ${c.status} state`);
    }
    throw new RuntimeError(UNSUPPORTED);
  });
}

export async function restoreContainer(ctx: RuntimeContext, id: string, bundle: string): Promise<never> {
  if (ctx.store.exists(id)) throw new RuntimeError(`container with id exists: ${id}`);
  loadBundleConfig(bundle); // a bad bundle is reported as such, as runc does
  throw new RuntimeError(UNSUPPORTED);
}
