// The range of uids and gids. The schema allows any uint32, but 4294967295 is (uid_t)-1, which
// setresuid/setresgid read as "leave unchanged": a process configured with that uid would keep the
// runtime's (root). runc's user package takes 0-2147483647 (31 bits, for 32-bit systems); so do we, for
// the process's ids, its additional gids and the ids that user-namespace and id-mapped mount maps name.

import type { LinuxIDMapping } from '../generated/config.js';
import { jsonPointer, type ValidationIssue } from './errors.js';

export const MAX_ID = 2147483647;

/** runc's message (libcontainer/user ErrRange). */
export const ID_RANGE_MESSAGE = `uids and gids must be in range 0-${MAX_ID}`;

function outOfRange(id: unknown): boolean {
  return typeof id === 'number' && (id < 0 || id > MAX_ID);
}

/** `user.uid`, `user.gid` and `user.additionalGids` of a process; `base` is the pointer of the process. */
export function checkUserIds(user: { uid?: unknown; gid?: unknown; additionalGids?: unknown } | undefined, base: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!user) return issues;
  for (const field of ['uid', 'gid'] as const) {
    if (outOfRange(user[field])) issues.push({ pointer: `${base}/user/${field}`, message: `${String(user[field])}: ${ID_RANGE_MESSAGE}` });
  }
  if (Array.isArray(user.additionalGids)) {
    user.additionalGids.forEach((gid: unknown, i) => {
      if (outOfRange(gid)) issues.push({ pointer: `${base}/user/additionalGids/${i}`, message: `${String(gid)}: ${ID_RANGE_MESSAGE}` });
    });
  }
  return issues;
}

/**
 * The ids a map names, on both sides: containerID and hostID and the last id of each range
 * (id + size - 1) must be in range; a range of size 0 maps nothing, which the kernel refuses.
 */
export function checkIdMappings(mappings: readonly LinuxIDMapping[] | undefined, ...where: (string | number)[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  mappings?.forEach((m, i) => {
    const at = (field: string) => jsonPointer(...where, i, field);
    for (const field of ['containerID', 'hostID'] as const) {
      if (outOfRange(m[field])) {
        issues.push({ pointer: at(field), message: `${m[field]}: ${ID_RANGE_MESSAGE}` });
      } else if (m.size > 0 && m[field] + m.size - 1 > MAX_ID) {
        issues.push({ pointer: at('size'), message: `${field} ${m[field]} + size ${m.size} goes past ${MAX_ID}: ${ID_RANGE_MESSAGE}` });
      }
    }
    if (m.size === 0) issues.push({ pointer: at('size'), message: 'must be at least 1' });
  });
  return issues;
}

/** The kernel takes at most this many lines in a uid_map or gid_map (UID_GID_MAP_MAX_EXTENTS). */
export const MAX_ID_MAP_RANGES = 340;

/**
 * A new user namespace's maps (`linux.uidMappings`, `linux.gidMappings`): both are
 * required and non-empty, and each has the shape checkIdMapShape asks for.
 * `userIndex` is the user namespace's position in linux.namespaces.
 */
export function checkUserNamespaceMaps(
  linux: { uidMappings?: readonly LinuxIDMapping[]; gidMappings?: readonly LinuxIDMapping[] } | undefined, userIndex: number,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const map = linux?.[field];
    if (!map?.length) {
      issues.push({ pointer: jsonPointer('linux', field), message: `is required with a new user namespace (/linux/namespaces/${userIndex})` });
      continue;
    }
    issues.push(...checkIdMapShape(map, 'linux', field));
  }
  return issues;
}

/**
 * A map the runtime writes into a uid_map or gid_map (a user namespace's, or an id-mapped
 * mount's): at most MAX_ID_MAP_RANGES ranges, and no two overlapping on the container side
 * or on the host side (the kernel refuses such a map with EINVAL). `where` is the map's pointer.
 */
export function checkIdMapShape(map: readonly LinuxIDMapping[], ...where: (string | number)[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = jsonPointer(...where);
  if (map.length > MAX_ID_MAP_RANGES) {
    issues.push({ pointer: at, message: `${map.length} ranges: the kernel takes at most ${MAX_ID_MAP_RANGES}` });
  }
  map.forEach((m, i) => {
    for (let j = 0; j < i; j++) {
      for (const side of ['containerID', 'hostID'] as const) {
        if (rangesOverlap(m[side], m.size, map[j]![side], map[j]!.size)) {
          issues.push({ pointer: jsonPointer(...where, i), message: `its ${side} range overlaps ${at}/${j}` });
        }
      }
    }
  });
  return issues;
}

function rangesOverlap(a: number, aSize: number, b: number, bSize: number): boolean {
  return aSize > 0 && bSize > 0 && a < b + bSize && b < a + aSize;
}
