// The init's own namespaces: join those given by path, then unshare the new ones, all
// on the main thread (namespaces are per thread). The PID namespace was set by the
// runtime before spawning us; a new time namespace takes effect at execve.
import { closeSync, writeFileSync } from 'node:fs';
import { CLONE_NEWCGROUP, CLONE_NEWTIME } from '../../ffi/constants.js';
import { fromNodeError, RuntimeError, withContext } from '../errors.js';
import { JOIN_ORDER, NAMESPACES, isNamespaceType, joinNamespace, openNamespace } from '../namespaces.js';
import type { Step } from '../step.js';
import type { Sys } from '../syscall/sys.js';
import type { Spec } from '../generated/config.js';

/** Steps around the unshare of a new cgroup namespace (which is rooted where the caller is then). */
export interface AroundCgroupUnshare {
  before(): void;
  after(): void;
}

export function setupNamespaces(sys: Sys, spec: Spec, step: Step, procRoot = '/proc', aroundCgroup?: AroundCgroupUnshare): void {
  const namespaces = spec.linux?.namespaces ?? [];
  for (const type of JOIN_ORDER) {
    const ns = namespaces.find((n) => n.type === type && n.path);
    if (!ns?.path) continue;
    if (type === 'time') throw new RuntimeError('joining a time namespace by path is not supported yet');
    step(`join ${type} namespace ${ns.path}`, () => {
      const fd = openNamespace(ns.path!);
      try {
        joinNamespace(sys, fd, type, `${type} namespace ${ns.path}`);
      } finally {
        closeSync(fd);
      }
    });
  }
  let flags = 0;
  for (const ns of namespaces) {
    // pid was set by the runtime, user is refused before: neither is unshared here.
    if (!ns.path && isNamespaceType(ns.type) && ns.type !== 'pid' && ns.type !== 'user') flags |= NAMESPACES[ns.type].cloneFlag;
  }
  if (flags) {
    step('unshare namespaces', () => {
      const cgroupNs = aroundCgroup && (flags & CLONE_NEWCGROUP) !== 0 ? aroundCgroup : undefined;
      cgroupNs?.before();
      sys.unshare(flags);
      cgroupNs?.after();
    });
  }
  if (flags & CLONE_NEWTIME) {
    const offsets = spec.linux?.timeOffsets ?? {};
    const lines = Object.entries(offsets).map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}`);
    if (lines.length) {
      step('write time offsets', () => {
        try {
          writeFileSync(`${procRoot}/self/timens_offsets`, `${lines.join('\n')}\n`);
        } catch (err) {
          throw withContext('set time namespace offsets', fromNodeError(err, 'write', `${procRoot}/self/timens_offsets`));
        }
      });
    }
  }
}
