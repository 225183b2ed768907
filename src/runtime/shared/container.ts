// Loading a container for an operation: take its lock, read its record and derive
// its live status. Every command goes through withContainer so that concurrent
// commands on one container serialise.
import { deriveStatus, type Status } from '../../state/status.js';
import type { ContainerRecord } from '../../state/record.js';
import type { RuntimeContext } from './context.js';
import { hasNewNamespace } from '../../namespace-spec.js';

export interface Loaded {
  record: ContainerRecord;
  status: Status;
  fifo: string;
}

export function loadContainer(ctx: RuntimeContext, id: string): Loaded {
  const record = ctx.store.read(id);
  const fifo = ctx.store.fifoPath(id);
  return { record, status: deriveStatus(record, fifo), fifo };
}

export async function withContainer<T>(ctx: RuntimeContext, id: string, fn: (c: Loaded) => T | Promise<T>): Promise<T> {
  const lock = await ctx.store.lock(id);
  try {
    return await fn(loadContainer(ctx, id));
  } finally {
    lock.release();
  }
}

/** True when the container has its own PID namespace (killing init then kills all). */
export function hasPrivatePidNamespace(record: ContainerRecord): boolean {
  return hasNewNamespace(record.config, 'pid');
}
