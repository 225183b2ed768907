/**
 * `linux.resources.unified`: cgroup v2 file name → value, written last so it can override the converted
 * settings (runc). A key must be a plain file name; when the write fails because the file is missing or
 * not writable, say whether the key's controller is even enabled for this cgroup.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { writeCgroupFile } from '../files.js';
import type { LinuxResources } from '../resource-values.js';

function enabledControllers(fs: CgroupFs, dir: string): Set<string> {
  try {
    return new Set(fs.readFile(path.join(dir, 'cgroup.controllers')).trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

export function applyV2Unified(fs: CgroupFs, dir: string, r: LinuxResources): void {
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    if (key.includes('/') || key === '' || key === '.' || key === '..') {
      throw new CgroupError(`unified resource ${JSON.stringify(key)} must be a file name (no slashes)`);
    }
    try {
      writeCgroupFile(fs, dir, key, value);
    } catch (err) {
      if (err instanceof CgroupError && (err.code === 'ENOENT' || err.code === 'EPERM' || err.code === 'EACCES')) {
        const dot = key.indexOf('.');
        if (dot <= 0) {
          throw new CgroupError(`unified resource ${JSON.stringify(key)} must be in the form CONTROLLER.PARAMETER`, {
            code: err.code, op: err.op, path: err.path, cause: err,
          });
        }
        const controller = key.slice(0, dot);
        if (controller !== 'cgroup' && !enabledControllers(fs, dir).has(controller)) {
          throw new CgroupError(
            `unified resource ${JSON.stringify(key)} can't be set: controller ${JSON.stringify(controller)} not available (${err.message})`,
            { code: err.code, op: err.op, path: err.path, cause: err },
          );
        }
      }
      throw err;
    }
  }
}
