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
  /** The cgroup manager's saved form, once the cgroup exists. */
  cgroup?: unknown;
  /** The init's host pid and start time, once it is spawned. */
  pid?: number;
  pidStartTime?: string;
  /** Without a mount namespace: the host mounts under the rootfs before create (src/rootfs/host-mounts.ts). */
  hostMounts?: HostMounts;
}
