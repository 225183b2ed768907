// `mounts` → mount plans: options parsed once (src/linux/mount-options.ts), destinations
// normalised, bind sources resolved against the bundle, id mappings decided.
import * as path from 'node:path/posix';
import type { Mount } from '../generated/config.js';
import { checkIdMapShape } from '../config/ids.js';
import { isBindMount, parseMountOptions, type ParsedMountOptions } from '../linux/mount-options.js';
import { containerPath } from '../rootfs/secure-path.js';
import type { PlanIssues } from './issues.js';
import { idMap } from './namespaces.js';
import type { IdmapPlan, MountPlan, NamespacesPlan } from './types.js';

/**
 * `namespaces`: the container's; an `idmap` mount without maps of its own takes those of
 * its new user namespace (one whose maps are wrong has its own issues, and adds none here).
 */
export function planMounts(
  mounts: readonly Mount[] | undefined, bundle: string, issues: PlanIssues, namespaces?: Pick<NamespacesPlan, 'types' | 'user'>,
): MountPlan[] {
  return (mounts ?? []).map((m, i) => planMount(m, bundle, issues, ['mounts', i], namespaces));
}

export function planMount(
  m: Mount, bundle: string, issues: PlanIssues, at: readonly (string | number)[] = [], namespaces?: Pick<NamespacesPlan, 'types' | 'user'>,
): MountPlan {
  const options = parseMountOptions(m.options);
  const bind = isBindMount(m);
  const type = m.type ?? '';
  const destination = containerPath(m.destination);
  const idmap = planIdmap(m, options, bind, issues, at, namespaces);
  return {
    destination,
    type,
    ...(m.source !== undefined ? { source: m.source } : {}),
    bind,
    ...(bind ? { bindSource: path.resolve(bundle, m.source ?? '') } : {}),
    options,
    deferredReadonly: !bind && (type === 'tmpfs' || destination === '/dev'),
    ...(idmap ? { idmap } : {}),
  };
}

/**
 * As runc: a mount is id-mapped by an `idmap`/`ridmap` option or by maps of its own
 * (then not recursively), only as a bind mount; without maps of its own it takes the
 * container's new user namespace's, and without one it cannot be mapped.
 */
function planIdmap(
  m: Mount, options: ParsedMountOptions, bind: boolean, issues: PlanIssues, at: readonly (string | number)[],
  namespaces: Pick<NamespacesPlan, 'types' | 'user'> | undefined,
): IdmapPlan | undefined {
  const ownMaps = !!m.uidMappings?.length || !!m.gidMappings?.length;
  if (!options.idmap && !ownMaps) return undefined;
  const optionIndex = (m.options ?? []).findIndex((o) => o === 'idmap' || o === 'ridmap');
  const where = optionIndex >= 0 ? [...at, 'options', optionIndex] : [...at, m.uidMappings?.length ? 'uidMappings' : 'gidMappings'];
  if (!bind) {
    issues.add(where, 'id-mapped mounts are only supported for bind mounts');
    return undefined;
  }
  if (ownMaps) {
    const shape = [
      ...checkIdMapShape(m.uidMappings ?? [], ...at, 'uidMappings'),
      ...checkIdMapShape(m.gidMappings ?? [], ...at, 'gidMappings'),
    ];
    issues.list.push(...shape);
    if (shape.length > 0) return undefined;
    return { uidMap: idMap(m.uidMappings), gidMap: idMap(m.gidMappings), recursive: options.recursiveIdmap };
  }
  const user = namespaces?.user;
  if (!user) {
    if (!namespaces?.types.includes('user')) {
      issues.add(where, `${m.options![optionIndex]} needs the mount's uidMappings and gidMappings, or a new user namespace whose maps it takes`);
    }
    return undefined;
  }
  return { uidMap: idMap(user.uidMap), gidMap: idMap(user.gidMap), recursive: options.recursiveIdmap };
}
