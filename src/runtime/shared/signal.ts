// Signalling a container, for kill and for delete --force.
import { RuntimeError } from '../../errors.js';
import { loadCgroupManager } from '../../cgroups/index.js';
import { hasPrivatePidNamespace } from './container.js';
import type { ContainerRecord } from '../../state/record.js';

const SIGKILL = 9;

/**
 * Without its own PID namespace, killing the init leaves the rest running, so
 * SIGKILL (and --all) go to every process in the cgroup.
 */
export function signalContainer(record: ContainerRecord, signal: number, all: boolean): void {
  const cgroup = loadCgroupManager(record.cgroup);
  if (all || (signal === SIGKILL && !hasPrivatePidNamespace(record))) cgroup.signalAll(signal);
  try {
    process.kill(record.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
      if (all) return;
      throw new RuntimeError('container not running');
    }
    throw err;
  } finally {
    // A frozen process cannot die: SIGKILL thaws a paused container.
    if (signal === SIGKILL && cgroup.isFrozen()) cgroup.thaw();
  }
}
