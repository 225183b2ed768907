// A new user namespace's uid_map and gid_map, written by the runtime into
// /proc/<pid>/ of a process in the namespace. Root in the parent namespace may write
// any ranges, once each; setgroups must be set before gid_map. A namespace joined by
// path has its maps already: they are read, and checked against the config's.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError, jsonPointer, type ValidationIssue } from '../../config/errors.js';
import { RuntimeError, fromNodeError, withContext } from '../../errors.js';
import { utilLinuxProgram } from './userns-holder.js';
import type { ContainerPlan, IdMapRange, UserNamespacePlan } from '../../plan/types.js';

/** The text of a uid_map or gid_map: one `containerID hostID size` line per range. */
export function formatIdMap(ranges: readonly IdMapRange[]): string {
  return ranges.map((r) => `${r.containerID} ${r.hostID} ${r.size}\n`).join('');
}

/** The host id that `containerId` is in the namespace, or undefined when the map leaves it out. */
export function hostIdOf(ranges: readonly IdMapRange[], containerId: number): number | undefined {
  const r = ranges.find((m) => containerId >= m.containerID && containerId < m.containerID + m.size);
  return r ? r.hostID + (containerId - r.containerID) : undefined;
}

/** Writes the maps of the user namespace `pid` is in (`procRoot` is /proc but in tests). */
export function writeIdMaps(pid: number, user: UserNamespacePlan, procRoot = '/proc'): void {
  const write = (name: string, text: string) => {
    const path = `${procRoot}/${pid}/${name}`;
    try {
      writeFileSync(path, text);
    } catch (err) {
      throw withContext(`write the user namespace's ${name}`, fromNodeError(err, 'write', path));
    }
  };
  write('uid_map', formatIdMap(user.uidMap));
  // The container's root may call setgroups(2), as in runc without a rootless map.
  write('setgroups', 'allow');
  write('gid_map', formatIdMap(user.gidMap));
}

/** The ranges of a uid_map or gid_map's text. */
export function parseIdMap(text: string): IdMapRange[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [containerID, hostID, size] = line.trim().split(/\s+/).map(Number);
    return { containerID: containerID!, hostID: hostID!, size: size! };
  });
}

/** Whether two maps map the same ids, whatever the order of their ranges. */
export function sameIdMap(a: readonly IdMapRange[], b: readonly IdMapRange[]): boolean {
  const key = (m: readonly IdMapRange[]) => m.map((r) => `${r.containerID} ${r.hostID} ${r.size}`).sort().join('\n');
  return key(a) === key(b);
}

/** How long nsenter may take to print a namespace's maps. */
const READ_MAPS_TIMEOUT_MS = 10_000;

/**
 * The maps of the user namespace at `path` (a /proc/<pid>/ns/user or a bind mount of
 * one), as its processes see them. A threaded process cannot enter it: nsenter does,
 * keeping our credentials (the namespace need not map uid 0), and prints both files.
 */
export function readUserNamespaceMaps(path: string): { uidMap: IdMapRange[]; gidMap: IdMapRange[] } {
  // Our own: nsenter could not enter it (setns refuses the namespace one is in with EINVAL).
  if (isOwnUserNamespace(path)) {
    const read = (name: string) => {
      try {
        return parseIdMap(readFileSync(`/proc/self/${name}`, 'utf8'));
      } catch (err) {
        throw fromNodeError(err, 'read', `/proc/self/${name}`);
      }
    };
    return { uidMap: read('uid_map'), gidMap: read('gid_map') };
  }
  const r = spawnSync(utilLinuxProgram('nsenter'), [`--user=${path}`, '--preserve-credentials', '--', '/bin/sh', '-c',
    'cat /proc/self/uid_map && echo - && cat /proc/self/gid_map'], { encoding: 'utf8', env: {}, timeout: READ_MAPS_TIMEOUT_MS });
  const [uid, gid] = (r.stdout ?? '').split('-\n');
  if (r.status !== 0 || gid === undefined) {
    const why = r.error?.message ?? (r.stderr?.trim() || `status ${r.status ?? r.signal}`);
    throw new RuntimeError(`read the maps of the user namespace ${path}: nsenter --user: ${why}`);
  }
  return { uidMap: parseIdMap(uid!), gidMap: parseIdMap(gid) };
}

function isOwnUserNamespace(path: string): boolean {
  try {
    const theirs = statSync(path);
    const ours = statSync('/proc/self/ns/user');
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false; // nsenter says why
  }
}

/**
 * A user namespace joined by path, with the maps it has: the config's maps, when it
 * gives any, must be those (as runc), else a ConfigError at their pointer. Called before
 * any side effect.
 */
export function joinedUserNamespace(user: UserNamespacePlan & { path: string }, read = readUserNamespaceMaps): UserNamespacePlan {
  const actual = read(user.path);
  const issues: ValidationIssue[] = [];
  for (const [field, given, has] of [['uidMappings', user.uidMap, actual.uidMap], ['gidMappings', user.gidMap, actual.gidMap]] as const) {
    if (given.length > 0 && !sameIdMap(given, has)) {
      issues.push({
        pointer: jsonPointer('linux', field),
        message: `is not the map of the user namespace ${user.path} (${formatIdMap(has).trim().split('\n').join(', ')}): leave it out or give that one`,
      });
    }
  }
  if (issues.length) throw ConfigError.invalid('config.json', issues);
  return { path: user.path, ...actual };
}

/** The plan with a joined user namespace's own maps (read and checked now, before any side effect); others as they are. */
export function withJoinedUserNamespaceMaps(plan: ContainerPlan, read = readUserNamespaceMaps): ContainerPlan {
  const user = plan.namespaces.user;
  if (user?.path === undefined) return plan;
  return { ...plan, namespaces: { ...plan.namespaces, user: joinedUserNamespace({ ...user, path: user.path }, read) } };
}
