// A container's status is derived from live kernel state on every call, never
// trusted from disk: init alive with the same start time, exec.fifo present,
// cgroup frozen.
import { existsSync } from 'node:fs';
import { isSameLiveProcess } from './procfs.js';
import type { ContainerRecord } from './record.js';
// Only the freezer files' readers: every command derives the status, and the cgroup
// manager brings the resource, statistics and device-filter code with it.
import { nodeCgroupFs } from '../cgroups/cgroup-fs.js';
import { freezerFor } from '../cgroups/freezer.js';
import { checkSavedCgroup } from '../cgroups/saved.js';

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
    // The saved cgroup's freezer, as the cgroup manager picks it. A cgroup that is
    // gone, unreadable or saved in another form is not frozen.
    try {
      const { mode, paths } = checkSavedCgroup(record.cgroup);
      return freezerFor(nodeCgroupFs, mode, paths)?.isFrozen() ?? false;
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
