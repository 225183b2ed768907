// `start`: release a created container's init by reading exec.fifo, then run the
// poststart hooks.
import { RuntimeError } from '../../errors.js';
import { releaseInit } from '../shared/exec-fifo.js';
import { runHooks } from '../../hooks/run-hooks.js';
import { hookState } from '../shared/oci-state.js';
import { withContainer } from '../shared/container.js';
import { markInheritedFdsCloseOnExec } from '../launch/inherited-fds.js';
import type { RuntimeContext } from '../shared/context.js';

export async function startContainer(ctx: RuntimeContext, id: string): Promise<void> {
  await withContainer(ctx, id, async (c) => {
    switch (c.status) {
      case 'created':
        break;
      case 'stopped':
        throw new RuntimeError('cannot start a container that has stopped');
      case 'running':
        throw new RuntimeError('cannot start an already running container');
      default:
        throw new RuntimeError(`cannot start a container in the ${c.status} state`);
    }
    ctx.log.step('read exec fifo', () => releaseInit(c.record, c.fifo));
    const { record } = c;
    // The spec: a failing poststart hook is logged as a warning; the container runs on.
    if (record.config.hooks?.poststart?.length) markInheritedFdsCloseOnExec();
    runHooks('poststart', record.config.hooks?.poststart, hookState(record, record.pid, 'running'), {
      warn: (msg) => ctx.log.warn(msg),
    });
  });
}
