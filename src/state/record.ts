// What a container's state.json holds: everything later commands need, since they
// may be called without the flags create had (the shim's cleanup, conmon, CRI-O).
import type { HostMounts } from '../rootfs/host-mounts.js';
import type { Spec } from '../generated/config.js';

export interface ContainerRecord {
  /** Format version of this file. */
  version: 1;
  id: string;
  /** Absolute bundle path and rootfs path. */
  bundle: string;
  rootfs: string;
  /** Host pid of the container init and its start time (clock ticks), the pid-reuse guard. */
  pid: number;
  pidStartTime: string;
  /** RFC3339Nano, UTC. */
  created: string;
  /** The config the container was created from (hooks for poststop, process for exec). */
  config: Spec;
  /** The cgroup manager's saved form (see src/cgroups). */
  cgroup: unknown;
  systemdCgroup: boolean;
  rootless: boolean;
  /** uid that created the container (list's OWNER column). */
  owner: number;
  /** Without a mount namespace: which host mounts under the rootfs are the container's (src/rootfs/host-mounts.ts). */
  hostMounts?: HostMounts;
}

/**
 * What a create in progress has made so far (create.json, until state.json exists):
 * enough for `delete` to undo a create that was killed half-way.
 */
export interface CreateJournal {
  /** The runtime process doing the create (pid and start time): while it lives, the container is `creating`. */
  creator?: { pid: number; startTime: string };
  /** What `state` shows of a container being created. */
  bundle?: string;
  rootfs?: string;
  created?: string;
  annotations?: Record<string, string>;
  /** The cgroup manager's saved form, once the cgroup exists. */
  cgroup?: unknown;
  /** The init's host pid and start time, once it is spawned. */
  pid?: number;
  pidStartTime?: string;
  /** Without a mount namespace: the host mounts under the rootfs before create (src/rootfs/host-mounts.ts). */
  hostMounts?: HostMounts;
}

/**
 * Why `value` (a parsed state.json) is not a ContainerRecord of ours, or undefined if it is one. Another
 * runtime's state file, a hand-edited or truncated one must give a clear error, never a TypeError later.
 */
export function recordProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `expected an object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  const r = value as Record<string, unknown>;
  if (r.version !== 1) return `"version" is ${JSON.stringify(r.version) ?? 'missing'}, expected 1`;
  for (const key of ['id', 'bundle', 'rootfs', 'pidStartTime', 'created'] as const) {
    if (typeof r[key] !== 'string') return `"${key}" is not a string`;
  }
  if (!Number.isInteger(r.pid) || (r.pid as number) <= 0) return '"pid" is not a positive integer';
  if (r.config === null || typeof r.config !== 'object' || Array.isArray(r.config)) return '"config" is not an object';
  if (r.cgroup === null || typeof r.cgroup !== 'object') return '"cgroup" is not an object';
  return undefined;
}

/** The journal in create.json, or undefined when it is not one (a torn or foreign file counts as none). */
export function asCreateJournal(value: unknown): CreateJournal | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as CreateJournal) : undefined;
}
