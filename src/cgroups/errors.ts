import { RuntimeError } from '../errors.js';

/**
 * Errors raised by the cgroup manager.
 *
 * Messages follow the project rule for syscall failures: `<op> <path>: <ERRNO>`, e.g.
 * `write /sys/fs/cgroup/pids/x/cgroup.procs: ENOENT`, so that a caller (and a test) can match on the text.
 */
export class CgroupError extends RuntimeError {
  /** errno name (`ENOENT`, `EBUSY`…) when the error comes from a filesystem call. */
  readonly code?: string;
  /** The operation that failed (`write`, `rmdir`, `mkdir`…), when there is one. */
  readonly op?: string;
  /** The file or directory the operation was applied to. */
  readonly path?: string;

  constructor(message: string, details: { code?: string; op?: string; path?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CgroupError';
    this.code = details.code;
    this.op = details.op;
    this.path = details.path;
  }
}

/** The errno name carried by a Node fs error (`err.code`), or undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Wrap a failed fs call as `<op> <path>: <ERRNO>`; errors that are not fs errors are re-thrown unchanged. */
export function fsError(op: string, path: string, err: unknown): CgroupError {
  const code = errnoCode(err);
  if (code === undefined) {
    return new CgroupError(`${op} ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      op,
      path,
      cause: err,
    });
  }
  return new CgroupError(`${op} ${path}: ${code}`, { code, op, path, cause: err });
}
