// `kill`: signal the container's init, or every process of its cgroup.
import { RuntimeError } from '../../errors.js';
import { withContainer } from '../shared/container.js';
import { signalContainer } from '../shared/signal.js';
import type { RuntimeContext } from '../shared/context.js';

export interface KillOptions { all?: boolean }

export async function killContainer(ctx: RuntimeContext, id: string, signal: number, opts: KillOptions = {}): Promise<void> {
  await withContainer(ctx, id, (c) => {
    if (c.status === 'stopped') {
      // runc: with --all a stopped container is not an error.
      if (opts.all) return;
      throw new RuntimeError('container not running');
    }
    signalContainer(c.record, signal, !!opts.all);
  });
}
