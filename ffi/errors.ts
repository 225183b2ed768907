// The errors ffi/ throws. ffi/ imports nothing from src/, so these live here and
// src/errors.ts re-exports them: one class each for both sides.
import { errnoName, errnoText } from './errno.js';

/** A failed system call: names the call, its argument and the errno. */
export class SyscallError extends Error {
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;
  readonly target: string;
  constructor(syscall: string, target: string, errno: number, code = errnoName(errno)) {
    super(target ? `${syscall} ${target}: ${describeErrno(code)}` : `${syscall}: ${describeErrno(code)}`);
    this.name = 'SyscallError';
    this.syscall = syscall;
    this.target = target;
    this.errno = errno;
    this.code = code;
  }
}

/** An errno name with its text: `EPERM (operation not permitted)`; the bare name when it has no known text. */
export function describeErrno(code: string): string {
  const text = errnoText(code);
  return text ? `${code} (${text})` : code;
}

/** A user-facing runtime error (bad state, bad argument; in ffi/, a native call that failed without an errno). */
export class RuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}
