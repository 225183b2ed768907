/**
 * cgroup v2: a controller's files appear in a cgroup only when its parent lists the controller in
 * `cgroup.subtree_control`. Like runc's fs2 driver, enable every controller the hierarchy offers on each level
 * above the container's cgroup (the container's own level stays a leaf). A level that refuses (it has processes
 * of its own, or the controller is busy elsewhere) is tried controller by controller and then left as it is:
 * a limit that needs the missing controller fails later, naming its file.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';

function words(fs: CgroupFs, file: string): string[] | undefined {
  try {
    return fs.readFile(file).trim().split(/\s+/).filter(Boolean);
  } catch {
    return undefined;
  }
}

export function enableV2Controllers(fs: CgroupFs, dir: string): void {
  const levels: string[] = [];
  for (let cur = path.dirname(dir); ; cur = path.dirname(cur)) {
    if (words(fs, path.join(cur, 'cgroup.subtree_control')) === undefined) break;
    levels.unshift(cur);
    if (cur === path.dirname(cur)) break;
  }
  for (const level of levels) {
    const offered = words(fs, path.join(level, 'cgroup.controllers')) ?? [];
    const enabled = new Set(words(fs, path.join(level, 'cgroup.subtree_control')) ?? []);
    const missing = offered.filter((c) => !enabled.has(c));
    if (missing.length === 0) continue;
    const file = path.join(level, 'cgroup.subtree_control');
    try {
      fs.writeFile(file, missing.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of missing) {
        try {
          fs.writeFile(file, `+${c}`);
        } catch {
          // left disabled; see above
        }
      }
    }
  }
}
