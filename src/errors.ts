// Error types shared by the runtime. Messages are lowercase, without a trailing
// period, and carry their context as a prefix chain ("create: mount ...: EPERM").
import { errnoName } from '../ffi/errno.js';

/** A failed system call: names the call, its argument and the errno. */
export class SyscallError extends Error {
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;
  readonly target: string;
  constructor(syscall: string, target: string, errno: number, code = errnoName(errno)) {
    super(target ? `${syscall} ${target}: ${code}` : `${syscall}: ${code}`);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.target = target;
    this.errno = errno;
    this.code = code;
  }
}

/** A user-facing runtime error (bad state, bad argument). */
export class RuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}

/** The container id names no container. Callers match on "does not exist". */
export class NotFoundError extends RuntimeError {
  constructor() {
    super('container does not exist');
    this.name = 'NotFoundError';
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
