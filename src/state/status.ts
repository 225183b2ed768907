// A container's status is derived from live kernel state on every call, never
// trusted from disk: init alive with the same start time, exec.fifo present,
// cgroup frozen.
import { existsSync } from 'node:fs';
import { isSameLiveProcess } from './procfs.js';
import type { ContainerRecord } from './record.js';
import { loadCgroupManager } from '../cgroups/index.js';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface StatusProbe {
  alive(pid: number, startTime: string): boolean;
  fifoExists(path: string): boolean;
  frozen(record: ContainerRecord): boolean;
}

export const liveProbe: StatusProbe = {
  alive: (pid, startTime) => isSameLiveProcess(pid, startTime),
  fifoExists: (path) => existsSync(path),
  frozen: (record) => {
    try {
      return loadCgroupManager(record.cgroup as never).isFrozen();
    } catch {
      return false;
    }
  },
};

export function deriveStatus(record: ContainerRecord, fifoPath: string, probe: StatusProbe = liveProbe): Status {
  if (!probe.alive(record.pid, record.pidStartTime)) return 'stopped';
  if (probe.frozen(record)) return 'paused';
  if (probe.fifoExists(fifoPath)) return 'created';
  return 'running';
}
