// A container's status is derived from live kernel state on every call, never
// trusted from disk: init alive with the same start time, exec.fifo present,
// cgroup frozen.
import { existsSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path/posix';
import { isSameLiveProcess } from './procfs.js';
import type { ContainerRecord } from './record.js';
// Only the freezer files' readers: every command derives the status, and the cgroup
// manager brings the resource, statistics and device-filter code with it.
import { nodeCgroupFs } from '../cgroups/cgroup-fs.js';
import { readV1FreezerState } from '../cgroups/v1/freezer.js';
import { isV2Frozen } from '../cgroups/v2/freezer.js';

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
    // The saved cgroup's freezer: the v1 freezer hierarchy's directory, else the
    // cgroup2 one (src/cgroups/manager.ts). A cgroup that is gone, unreadable or saved
    // in another form is not frozen.
    const paths = (record.cgroup as { version?: unknown; paths?: Record<string, unknown> } | null)?.paths;
    const clean = (dir: unknown): dir is string => typeof dir === 'string' && isAbsolute(dir) && normalize(dir) === dir;
    try {
      if ((record.cgroup as { version?: unknown }).version !== 1 || !paths) return false;
      if (clean(paths.freezer)) return readV1FreezerState(nodeCgroupFs, paths.freezer) !== 'THAWED';
      if (paths.freezer === undefined && clean(paths[''])) return isV2Frozen(nodeCgroupFs, paths['']);
      return false;
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
