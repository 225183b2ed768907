// `update`: change a running container's cgroup limits. The request is merged into the resources the container
// was created with (or last updated to), the whole result is applied (as runc re-applies its full cgroup
// config), and only then is it saved, so `state` and later updates start from what the cgroup really has.
import { RuntimeError } from '../../errors.js';
import { loadCgroupManager } from '../../cgroups/index.js';
import type { LinuxResources } from '../../generated/config.js';
import { withContainer } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';

/** Fields of a request that runc's `update` applies; the rest of a LinuxResources document is ignored. */
const MEMORY_FIELDS = ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP', 'checkBeforeUpdate'] as const;
const CPU_FIELDS = ['shares', 'quota', 'period', 'burst', 'realtimeRuntime', 'realtimePeriod', 'cpus', 'mems', 'idle'] as const;

export interface MergeResult {
  merged: LinuxResources;
  /** JSON pointers (in the request) of fields update does not change. */
  ignored: string[];
}

function pick<T extends object>(src: T | undefined, fields: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  if (src === undefined) return out;
  for (const f of fields) if (src[f] !== undefined) out[f] = src[f];
  return out;
}

/**
 * `saved` with the fields `request` sets replaced (a field the request leaves out keeps its value, so a new
 * quota keeps the old period, as runc does). `unified` keys are merged one by one.
 */
export function mergeResources(saved: LinuxResources | undefined, request: LinuxResources): MergeResult {
  const merged: LinuxResources = structuredClone(saved ?? {});
  const ignored: string[] = [];
  const known = new Set(['memory', 'cpu', 'blockIO', 'pids', 'unified']);
  for (const key of Object.keys(request)) if (!known.has(key)) ignored.push(`/${key}`);
  if (request.memory !== undefined) {
    merged.memory = { ...merged.memory, ...pick(request.memory, MEMORY_FIELDS) };
    for (const k of Object.keys(request.memory)) if (!(MEMORY_FIELDS as readonly string[]).includes(k)) ignored.push(`/memory/${k}`);
  }
  if (request.cpu !== undefined) {
    merged.cpu = { ...merged.cpu, ...pick(request.cpu, CPU_FIELDS) };
    for (const k of Object.keys(request.cpu)) if (!(CPU_FIELDS as readonly string[]).includes(k)) ignored.push(`/cpu/${k}`);
  }
  if (request.blockIO !== undefined) {
    if (request.blockIO.weight !== undefined) merged.blockIO = { ...merged.blockIO, weight: request.blockIO.weight };
    for (const k of Object.keys(request.blockIO)) if (k !== 'weight') ignored.push(`/blockIO/${k}`);
  }
  if (request.pids?.limit !== undefined) merged.pids = { ...merged.pids, limit: request.pids.limit };
  if (request.unified !== undefined) merged.unified = { ...merged.unified, ...request.unified };
  return { merged, ignored };
}

/** Apply `request` to container `id`; returns the resources now in force (and saved). */
export async function updateContainer(ctx: RuntimeContext, id: string, request: LinuxResources): Promise<LinuxResources> {
  return withContainer(ctx, id, (c) => {
    if (c.status === 'stopped') throw new RuntimeError('container not running');
    const { merged, ignored } = mergeResources(c.record.config.linux?.resources, request);
    for (const pointer of ignored) ctx.log.warn(`update does not change ${pointer}; ignored`);
    // runc warns about kernel memory when the request has it, not for what the config already had.
    if (request.memory?.kernel || request.memory?.kernelTCP) ctx.log.warn('Kernel memory settings are ignored and will be removed');
    const cg = loadCgroupManager(c.record.cgroup);
    const options = {
      configDevices: c.record.config.linux?.devices,
      rootless: c.record.rootless,
      warn: () => {},
    };
    try {
      ctx.log.step('cgroup update', () => cg.applyResources(merged, options));
    } catch (err) {
      // Part of the request may be written already: put the saved values back, as runc does.
      try {
        cg.applyResources(c.record.config.linux?.resources, { ...options, warn: () => {} });
      } catch (restoreErr) {
        ctx.log.warn(
          `Setting back cgroup configs failed due to error: ${restoreErr instanceof Error ? restoreErr.message : String(restoreErr)}, ` +
            'your state.json and actual configs might be inconsistent.',
        );
      }
      throw err;
    }
    const record = structuredClone(c.record);
    record.config.linux = { ...record.config.linux, resources: merged };
    ctx.log.step('save state', () => ctx.store.write(record));
    return merged;
  });
}
