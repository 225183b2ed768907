/**
 * Per-controller behaviour, one module per controller (`v1/<name>.ts`, `v2/<name>.ts`), looked up by the key the
 * manager uses in `paths` (a v1 controller name, or `''` for the cgroup2 directory).
 *
 * Two hooks: `prepare` makes a fresh directory usable (v1 cpuset values), `apply` writes `linux.resources`
 * (resources.ts calls them in runc's order). `wants` says whether the resources ask anything of a controller:
 * runc fails when they do and the controller is not mounted, and passes over it silently when they do not.
 */
import type { CgroupFs } from './cgroup-fs.js';
import { deviceRulesFor } from './device-rules.js';
import { applyRdma } from './rdma.js';
import { type ApplyContext, type LinuxResources, hasMemorySettings } from './resource-values.js';
import { applyV1Blkio } from './v1/blkio.js';
import { applyV1Cpu } from './v1/cpu.js';
import { applyV1Cpuset, inheritCpuset } from './v1/cpuset.js';
import { applyV1Devices } from './v1/devices.js';
import { applyV1Hugetlb } from './v1/hugetlb.js';
import { applyV1Memory } from './v1/memory.js';
import { applyV1NetCls } from './v1/net-cls.js';
import { applyV1NetPrio } from './v1/net-prio.js';
import { applyV1Pids } from './v1/pids.js';
import { applyV2Cpu } from './v2/cpu.js';
import { applyV2Cpuset } from './v2/cpuset.js';
import { applyV2Devices } from './v2/devices.js';
import { applyV2Hugetlb } from './v2/hugetlb.js';
import { applyV2Io } from './v2/io.js';
import { applyV2Memory } from './v2/memory.js';
import { applyV2Pids } from './v2/pids.js';
import { applyV2Unified } from './v2/unified.js';

export interface ControllerSupport {
  /** Runs once the cgroup directory exists, before any process joins it. */
  prepare?(fs: CgroupFs, dir: string): void;
  /** Write the controller's part of `linux.resources` into `dir`. */
  apply?(fs: CgroupFs, dir: string, resources: LinuxResources, ctx: ApplyContext): void;
  /** Whether `resources` has anything for this controller (default: no). */
  wants?(resources: LinuxResources): boolean;
}

const cpuWanted = (r: LinuxResources): boolean => {
  const c = r.cpu;
  return !!c && (!!c.shares || !!c.quota || !!c.period || !!c.realtimePeriod || !!c.realtimeRuntime || c.burst !== undefined || c.idle !== undefined);
};
const cpusetWanted = (r: LinuxResources): boolean => !!r.cpu?.cpus || !!r.cpu?.mems;
const blkioWanted = (r: LinuxResources): boolean => {
  const b = r.blockIO;
  if (!b) return false;
  const lists = [b.weightDevice, b.throttleReadBpsDevice, b.throttleWriteBpsDevice, b.throttleReadIOPSDevice, b.throttleWriteIOPSDevice];
  return !!b.weight || !!b.leafWeight || lists.some((l) => (l ?? []).length > 0);
};
const hugetlbWanted = (r: LinuxResources): boolean => (r.hugepageLimits ?? []).length > 0;
const rdmaWanted = (r: LinuxResources): boolean => Object.keys(r.rdma ?? {}).length > 0;
const pidsWanted = (r: LinuxResources): boolean => !!r.pids?.limit;

/** v1 controllers with hooks, in the order runc's fs driver sets them. */
export const V1_CONTROLLERS: readonly (readonly [string, ControllerSupport])[] = [
  ['cpuset', { prepare: inheritCpuset, apply: applyV1Cpuset, wants: cpusetWanted }],
  [
    'devices',
    {
      apply: (fs, dir, r, ctx) => applyV1Devices(fs, dir, deviceRulesFor(r.devices, ctx.configDevices)),
      // runc always programs the device cgroup (its defaults at least) and refuses to run without one.
      wants: () => true,
    },
  ],
  ['memory', { apply: applyV1Memory, wants: hasMemorySettings }],
  ['cpu', { apply: applyV1Cpu, wants: cpuWanted }],
  ['pids', { apply: applyV1Pids, wants: pidsWanted }],
  ['blkio', { apply: applyV1Blkio, wants: blkioWanted }],
  ['hugetlb', { apply: applyV1Hugetlb, wants: hugetlbWanted }],
  ['net_cls', { apply: applyV1NetCls, wants: (r) => !!r.network?.classID }],
  ['net_prio', { apply: applyV1NetPrio, wants: (r) => (r.network?.priorities ?? []).length > 0 }],
  ['rdma', { apply: applyRdma, wants: rdmaWanted }],
];

/** The cgroup2 steps, in runc's fs2 order; all write into the one cgroup2 directory. */
export const V2_STEPS: readonly (readonly [string, ControllerSupport])[] = [
  ['pids', { apply: applyV2Pids, wants: pidsWanted }],
  ['memory', { apply: applyV2Memory, wants: hasMemorySettings }],
  ['io', { apply: applyV2Io, wants: blkioWanted }],
  ['cpu', { apply: applyV2Cpu, wants: cpuWanted }],
  ['devices', { apply: (fs, dir, r, ctx) => applyV2Devices(fs, dir, deviceRulesFor(r.devices, ctx.configDevices)), wants: () => true }],
  ['cpuset', { apply: applyV2Cpuset, wants: cpusetWanted }],
  ['hugetlb', { apply: applyV2Hugetlb, wants: hugetlbWanted }],
  ['rdma', { apply: applyRdma, wants: rdmaWanted }],
  ['unified', { apply: applyV2Unified, wants: (r) => Object.keys(r.unified ?? {}).length > 0 }],
];

const v1Controllers: Readonly<Record<string, ControllerSupport>> = Object.fromEntries(V1_CONTROLLERS);

const v2Hierarchy: ControllerSupport = {};

/** The support module for a key of `paths`; controllers with nothing to do get an empty one. */
export function controllerSupport(key: string): ControllerSupport {
  if (key === '') return v2Hierarchy;
  return v1Controllers[key] ?? {};
}
