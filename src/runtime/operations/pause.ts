// pause / resume (freeze and thaw the container's cgroup) and ps (its processes).
import { RuntimeError } from '../../errors.js';
import { loadCgroupManager } from '../../cgroups/index.js';
import { withContainer } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';

export async function pauseContainer(ctx: RuntimeContext, id: string): Promise<void> {
  await withContainer(ctx, id, (c) => {
    if (c.status !== 'running' && c.status !== 'created') throw new RuntimeError('container not running');
    loadCgroupManager(c.record.cgroup).freeze();
  });
}

export async function resumeContainer(ctx: RuntimeContext, id: string): Promise<void> {
  await withContainer(ctx, id, (c) => {
    if (c.status !== 'paused') throw new RuntimeError('container not paused');
    loadCgroupManager(c.record.cgroup).thaw();
  });
}

/** Host pids of every process in the container's cgroup. */
export async function containerPids(ctx: RuntimeContext, id: string): Promise<number[]> {
  return withContainer(ctx, id, (c) => {
    if (c.status === 'stopped') return [];
    return loadCgroupManager(c.record.cgroup).pids();
  });
}
