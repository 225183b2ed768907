// `linux.namespaces` → what the runtime and the init do with each: a new user namespace
// and its maps are made by the runtime before the spawn, the pid namespace is set by the
// runtime around the spawn, the others are joined by path (in join order) or unshared by
// the init. What a threaded process cannot join (a user or time namespace by path) is
// joined by the single-threaded launcher that starts the init, and when the init starts
// in a user namespace that launcher joins the others by path too, before the user
// namespace when they belong to the host's and after it when they belong to it.
import type { Linux } from '../generated/config.js';
import { checkIdMappings, checkUserNamespaceMaps } from '../config/ids.js';
import { JOIN_ORDER, NAMESPACES, type NamespaceType } from '../namespaces.js';
import type { PlanIssues } from './issues.js';
import type { IdMapRange, NamespacesPlan } from './types.js';

/** The namespaces `exec` joins, in order: a time namespace cannot be joined by a threaded process. */
export const EXEC_JOIN_ORDER: readonly NamespaceType[] = JOIN_ORDER.filter((type) => type !== 'time');

export function planNamespaces(linux: Pick<Linux, 'namespaces' | 'uidMappings' | 'gidMappings'> | undefined, issues: PlanIssues): NamespacesPlan {
  const list = linux?.namespaces ?? [];
  const plan: NamespacesPlan = { types: [], join: [], launcherJoin: [], create: [], unshareFlags: 0 };
  list.forEach((ns, i) => {
    if (plan.types.includes(ns.type)) {
      issues.add(['linux', 'namespaces', i, 'type'], `duplicate namespace ${ns.type}`);
      return;
    }
    plan.types.push(ns.type);
    if (ns.type === 'user') {
      if (ns.path) {
        // Maps are optional: given, they must be the namespace's (checked by create, which reads them).
        const mapIssues = [
          ...checkIdMappings(linux?.uidMappings, 'linux', 'uidMappings'),
          ...checkIdMappings(linux?.gidMappings, 'linux', 'gidMappings'),
        ];
        issues.list.push(...mapIssues);
        if (mapIssues.length === 0) plan.user = { path: ns.path, uidMap: idMap(linux?.uidMappings), gidMap: idMap(linux?.gidMappings) };
      } else {
        const mapIssues = [
          ...checkUserNamespaceMaps(linux, i),
          ...checkIdMappings(linux?.uidMappings, 'linux', 'uidMappings'),
          ...checkIdMappings(linux?.gidMappings, 'linux', 'gidMappings'),
        ];
        issues.list.push(...mapIssues);
        if (mapIssues.length === 0) plan.user = { uidMap: idMap(linux?.uidMappings), gidMap: idMap(linux?.gidMappings) };
      }
    }
    if (ns.type === 'pid') {
      plan.pid = ns.path ? { path: ns.path } : { new: true };
    } else if (!ns.path && ns.type !== 'user') {
      plan.create.push(ns.type);
      plan.unshareFlags |= NAMESPACES[ns.type].cloneFlag;
    }
  });
  if (!plan.types.includes('user')) {
    for (const field of ['uidMappings', 'gidMappings'] as const) {
      if (linux?.[field]?.length) issues.add(['linux', field], 'needs a user namespace in linux.namespaces');
    }
  }
  const inUserNamespace = plan.types.includes('user');
  for (const type of JOIN_ORDER) {
    const path = list.find((ns) => ns.type === type)?.path;
    if (!path) continue;
    // setns(CLONE_NEWTIME) fails with EUSERS in a threaded process; the mount namespace
    // is the init's to join, last, since the launcher must still find the init's executable.
    const byLauncher = type === 'time' || (inUserNamespace && type !== 'mount');
    (byLauncher ? plan.launcherJoin : plan.join).push({ type, path });
  }
  return plan;
}

export function hasNamespace(plan: Pick<NamespacesPlan, 'types'>, type: NamespaceType): boolean {
  return plan.types.includes(type);
}

/** A map as the plan holds it: the three fields, nothing else. */
export function idMap(mappings: readonly IdMapRange[] | undefined): IdMapRange[] {
  return (mappings ?? []).map(({ containerID, hostID, size }) => ({ containerID, hostID, size }));
}
