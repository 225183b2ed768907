// A new user namespace's uid_map and gid_map, written by the runtime into
// /proc/<pid>/ of a process in the namespace. Root in the parent namespace may write
// any ranges, once each; setgroups must be set before gid_map.
import { writeFileSync } from 'node:fs';
import { fromNodeError, withContext } from '../../errors.js';
import type { IdMapRange, UserNamespacePlan } from '../../plan/types.js';

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
