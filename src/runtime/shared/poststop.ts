// The poststop hooks, run by delete and by a create that fails once its init existed.
import { runHooks } from '../../hooks/run-hooks.js';
import { hookState } from './oci-state.js';
import { markInheritedFdsCloseOnExec } from '../launch/inherited-fds.js';
import type { RuntimeContext } from './context.js';
import type { ContainerRecord } from '../../state/record.js';

/** poststop hooks run after the container is gone; a failure is only a warning. */
export function runPoststop(ctx: RuntimeContext, record: ContainerRecord): void {
  if (record.config.hooks?.poststop?.length) markInheritedFdsCloseOnExec();
  runHooks('poststop', record.config.hooks?.poststop, hookState(record, 0, 'stopped'), { warn: (msg) => ctx.log.warn(msg) });
}
