// The container program's lookup, as runc does it (Go's exec.LookPath with the
// container's PATH): run inside the container's root, before the init waits for
// `start`, so a missing program fails `create` with runc's own message.
import { accessSync, constants as fsc, statSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError } from '../errors.js';
import { goErrnoText, goQuote } from './go-strings.js';

/** A lookup failure; the message is Go's exec.Error text (`exec: "x": ...`). */
export class ExecLookupError extends RuntimeError {
  constructor(readonly file: string, readonly reason: string) {
    super(`exec: ${goQuote(file)}: ${reason}`);
    this.name = 'ExecLookupError';
  }
}

/** The value of PATH in an environ list; the last entry wins, as in runc's prepareEnv. */
export function pathFromEnv(env: readonly string[] | undefined): string {
  let value = '';
  for (const kv of env ?? []) if (kv.startsWith('PATH=')) value = kv.slice(5);
  return value;
}

/**
 * Why `file` cannot be executed, or undefined when it can (Go's findExecutable:
 * stat follows symlinks, directories are EISDIR, then an access(X_OK) check).
 * `shown` is the path as the user wrote it, for the stat error.
 */
function notExecutable(file: string, shown: string): string | undefined {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `stat ${shown}: ${goErrnoText(e.code, e.message)}`;
  }
  if (st.isDirectory()) return goErrnoText('EISDIR');
  try {
    accessSync(file, fsc.X_OK);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Seccomp-confined callers may get EPERM/ENOSYS from access: fall back to the mode bits.
    if (e.code === 'EPERM' || e.code === 'ENOSYS') return (st.mode & 0o111) !== 0 ? undefined : goErrnoText('EACCES');
    return goErrnoText(e.code, e.message);
  }
}

/**
 * Resolves `args0` like runc: a name with a slash is used as is (relative to `cwd`),
 * a bare name is searched in the PATH of `env`. Returns an absolute path for execve.
 * Errors read like runc's: `exec: "foo": executable file not found in $PATH`,
 * `exec: "/x": stat /x: no such file or directory`, `exec: "/x": permission denied`.
 */
export function resolveExecutable(args0: string, env: readonly string[] | undefined, cwd: string): string {
  if (args0.includes('/')) {
    const full = path.resolve(cwd, args0);
    const why = notExecutable(full, args0);
    if (why) throw new ExecLookupError(args0, why);
    return full;
  }
  const searchPath = pathFromEnv(env);
  // An empty PATH has no entries at all (Go's filepath.SplitList("") is empty).
  const dirs = searchPath === '' ? [] : searchPath.split(':');
  for (const entry of dirs) {
    const dir = entry === '' ? '.' : entry; // shell semantics: an empty entry means "."
    const candidate = path.join(dir, args0);
    const full = path.resolve(cwd, candidate);
    if (notExecutable(full, candidate) !== undefined) continue;
    if (!path.isAbsolute(candidate)) {
      // Go refuses programs found through a relative PATH entry (exec.ErrDot).
      throw new ExecLookupError(args0, 'cannot run executable found relative to current directory');
    }
    return full;
  }
  throw new ExecLookupError(args0, 'executable file not found in $PATH');
}
