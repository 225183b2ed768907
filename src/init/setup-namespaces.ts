// The init's own namespaces: join those given by path (in the plan's join order), then
// unshare the new ones, all on the main thread (namespaces are per thread). The PID
// namespace was set by the runtime before spawning us, a user or time namespace given by
// path was joined by our launcher (src/runtime/launch/launcher.ts); a new time namespace
// takes effect at execve. A new network namespace gets its loopback up.
import { closeSync } from 'node:fs';
import { CLONE_NEWCGROUP, CLONE_NEWNET, CLONE_NEWTIME } from '../../ffi/constants.js';
import { joinNamespace, openNamespace, writeTimeOffsets } from '../namespaces.js';
import type { ContainerPlan } from '../plan/types.js';
import type { Step } from '../step.js';
import type { Sys } from '../syscall/sys.js';

/** Steps around the unshare of a new cgroup namespace (which is rooted where the caller is then). */
export interface AroundCgroupUnshare {
  before(): void;
  after(): void;
}

export function setupNamespaces(
  sys: Sys, plan: Pick<ContainerPlan, 'namespaces' | 'timeOffsets'>, step: Step, procRoot = '/proc', aroundCgroup?: AroundCgroupUnshare,
): void {
  for (const ns of plan.namespaces.join) {
    const { type } = ns;
    step(`join ${type} namespace ${ns.path}`, () => {
      const fd = openNamespace(ns.path!);
      try {
        joinNamespace(sys, fd, type, `${type} namespace ${ns.path}`);
      } finally {
        closeSync(fd);
      }
    });
  }
  const flags = plan.namespaces.unshareFlags;
  if (flags) {
    step('unshare namespaces', () => {
      const cgroupNs = aroundCgroup && (flags & CLONE_NEWCGROUP) !== 0 ? aroundCgroup : undefined;
      cgroupNs?.before();
      sys.unshare(flags);
      cgroupNs?.after();
    });
  }
  // A new network namespace has its loopback down; runc brings it up, and so do we.
  if (flags & CLONE_NEWNET) step('bring up loopback', () => sys.loopbackUp());
  // In a user namespace the runtime writes them (src/runtime/operations/create.ts).
  if (flags & CLONE_NEWTIME && !plan.namespaces.user && plan.timeOffsets.length) {
    step('write time offsets', () => writeTimeOffsets('self', plan.timeOffsets, procRoot));
  }
}
