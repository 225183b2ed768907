// The container's cwd is created when missing, as runc does, but one component at a
// time and never under /proc: Node's recursive mkdir loops forever on a procfs path
// whose parent exists but refuses the child (/proc/self/fd/21), and procfs is the
// kernel's, not the container's, to add to. Runs inside the container's root.
import { mkdirSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { fromNodeError, RuntimeError, SyscallError, withContext } from '../errors.js';
import { errnoNumber } from '../../ffi/errno.js';

const ENOTDIR = errnoNumber('ENOTDIR') ?? 20;

/** `cwd` is the container's path; `root` is where the container's / is (the init's own root after pivot_root). */
export function ensureCwd(cwd: string, root = '/'): void {
  if (!cwd.startsWith('/')) throw new RuntimeError(`cwd ${JSON.stringify(cwd)} is not an absolute path`);
  const clean = posix.normalize(cwd);
  const at = (p: string) => posix.join(root, p);
  if (clean === '/proc' || clean.startsWith('/proc/')) {
    try {
      statSync(at(clean));
    } catch (err) {
      throw withContext(`refusing to create cwd ${cwd} under /proc`, fromNodeError(err, 'stat', clean));
    }
    return;
  }
  // Component by component as written, like the chdir that follows: "a/../b" needs a to exist.
  let path = '';
  for (const part of cwd.split('/').filter(Boolean)) {
    path += `/${part}`;
    try {
      mkdirSync(at(path), 0o755);
      continue;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw withContext(`create cwd ${cwd}`, fromNodeError(err, 'mkdir', path));
    }
    // It exists: it must be a directory (or a symlink to one, resolved inside our root).
    let isDir: boolean;
    try {
      isDir = statSync(at(path)).isDirectory();
    } catch (err) {
      throw withContext(`create cwd ${cwd}`, fromNodeError(err, 'stat', path));
    }
    if (!isDir) throw withContext(`create cwd ${cwd}`, new SyscallError('mkdir', path, ENOTDIR, 'ENOTDIR'));
  }
}
