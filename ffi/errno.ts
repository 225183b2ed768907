// Errno numbers to their names (EPERM, ENOENT, ...), taken from Node's own table so
// they match the running kernel's libc, and names to their texts (Go's, as in runc's messages).
// node:os and node:util are loaded at the first error, not at every start.

let names: Map<number, string> | undefined;

function errnoTable(): Record<string, number> {
  return process.getBuiltinModule('node:os').constants.errno as Record<string, number>;
}

export function errnoName(errno: number): string {
  if (!names) {
    names = new Map();
    for (const [name, value] of Object.entries(errnoTable())) {
      // Keep the first (canonical) name when two share a number (EAGAIN/EWOULDBLOCK).
      if (!names.has(value)) names.set(value, name);
    }
  }
  return names.get(errno) ?? `errno ${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return errnoTable()[name];
}

// Go's syscall error strings (zerrors_linux_*.go) for the errnos runc's messages meet.
const goText: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  E2BIG: 'argument list too long',
  ENOEXEC: 'exec format error',
  EBADF: 'bad file descriptor',
  ECHILD: 'no child processes',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  EXDEV: 'invalid cross-device link',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EINVAL: 'invalid argument',
  ENFILE: 'too many open files in system',
  EMFILE: 'too many open files',
  ENOTTY: 'inappropriate ioctl for device',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMLINK: 'too many links',
  EPIPE: 'broken pipe',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ELOOP: 'too many levels of symbolic links',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTSOCK: 'socket operation on non-socket',
  ETIMEDOUT: 'connection timed out',
  ELIBBAD: 'accessing a corrupted shared library',
};

/** Go's text for an errno name (EACCES → "permission denied"); undefined if Go's table above lacks it. */
export function goErrnoText(code: string): string | undefined {
  return goText[code] || undefined;
}

/** Go's text for an errno name, else libuv's (the same words for the errnos both know); undefined if unknown. */
export function errnoText(code: string): string | undefined {
  const go = goErrnoText(code);
  if (go) return go;
  const errno = errnoNumber(code);
  return errno === undefined ? undefined : process.getBuiltinModule('node:util').getSystemErrorMap().get(-errno)?.[1];
}
