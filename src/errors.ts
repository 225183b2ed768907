// Error types shared by the runtime. Messages are lowercase, without a trailing
// period, and carry their context as a prefix chain ("create: mount ...: EPERM (operation
// not permitted)"). A failed syscall reads `<call> <target>: <ERRNO> (<text>)`: the name first,
// for callers and tests to match on, then its text (Go's wording, as in runc's messages).
import { RuntimeError, SyscallError } from '../ffi/errors.js';

export { RuntimeError, SyscallError, describeErrno } from '../ffi/errors.js';

/** The container id names no container. Callers match on "does not exist". */
export class NotFoundError extends RuntimeError {
  constructor() {
    super('container does not exist');
    this.name = 'NotFoundError';
  }
}

/** A container's state file is there but cannot be read or is not ours: names the file and why. */
export class UnreadableStateError extends RuntimeError {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`state file ${file}: ${reason}`);
    this.name = 'UnreadableStateError';
    this.file = file;
  }
}

/** Turns a Node fs error (which carries syscall/path/code) into a SyscallError. */
export function fromNodeError(err: unknown, syscall?: string, target?: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.errno === 'number') {
    return new SyscallError(syscall ?? e.syscall ?? 'unknown', target ?? e.path ?? '', -e.errno, e.code);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Prefixes an error's message with context, keeping its type and fields. */
export function wrap<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withContext(context, err);
  }
}

export function withContext(context: string, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `${context}: ${e.message}`;
  return e;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
