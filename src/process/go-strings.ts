// How Go prints errno values, signals and quoted strings. runc's messages are built
// from these, and callers (containerd, Podman, the runc test suites) match on them,
// so the few messages we copy from runc must read exactly the same.
// Go's errno table is in ffi/errno.ts: SyscallError (ffi/errors.ts) words its messages with it.
import { goErrnoText as goErrnoTable } from '../../ffi/errno.js';

/** Go's text for an errno name (EACCES → "permission denied"). */
export function goErrnoText(code: string | undefined, fallback?: string): string {
  const go = code ? goErrnoTable(code) : undefined;
  if (go) return go;
  // libuv's own strerror text is in Node's message ("ENOENT: no such file..., stat 'x'").
  const m = fallback?.match(/^[A-Z0-9]+: ([^,]+)/);
  return m ? m[1]! : (code ?? 'unknown error');
}

// Go's signal strings (syscall.Signal.String on Linux), by signal name.
const signalText: Record<string, string> = {
  SIGHUP: 'hangup',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault',
  SIGUSR2: 'user defined signal 2',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGTERM: 'terminated',
  SIGSTKFLT: 'stack fault',
  SIGCHLD: 'child exited',
  SIGCONT: 'continued',
  SIGSTOP: 'stopped (signal)',
  SIGTSTP: 'stopped',
  SIGTTIN: 'stopped (tty input)',
  SIGTTOU: 'stopped (tty output)',
  SIGURG: 'urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
  SIGVTALRM: 'virtual timer expired',
  SIGPROF: 'profiling timer expired',
  SIGWINCH: 'window changed',
  SIGIO: 'I/O possible',
  SIGPWR: 'power failure',
  SIGSYS: 'bad system call',
};

/** Go's os.ProcessState text for how a child ended: "exit status 2", "signal: killed". */
export function goExitText(status: number | null, signal: string | null): string {
  if (signal) return `signal: ${signalText[signal] ?? signal}`;
  return `exit status ${status ?? 0}`;
}

/** Go's strconv.Quote: a double-quoted string with Go escapes (used in `exec: "x": ...`). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
