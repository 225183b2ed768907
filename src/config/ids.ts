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
