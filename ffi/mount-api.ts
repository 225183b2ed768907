// Koffi bindings the rootfs setup needs beyond ffi/libc.ts: statfs(2), whose f_flags
// (the mount's ST_* flags) Node's fs.statfsSync does not return. Needed to keep a
// mount's locked flags on a bind remount, as runc does.
import koffi, { lazy, lazyFunction } from './koffi.js';
import { SyscallError } from './errors.js';

const libc = lazy(() => koffi.load('libc.so.6'));

const rawStatfs = lazyFunction(() => libc.func('int statfs(const char *path, _Out_ void *buf)'));

/** struct statfs on 64-bit Linux (x86_64, arm64): eleven 8-byte words, then f_spare[4]. */
const STATFS_SIZE = 120;
const F_TYPE_OFFSET = 0;
const F_FLAGS_OFFSET = 80;

export interface StatfsResult {
  /** f_type: the filesystem magic (PROC_SUPER_MAGIC 0x9fa0, CGROUP2_SUPER_MAGIC 0x63677270, ...). */
  type: number;
  /** f_flags: ST_* mount flags (ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ...). */
  flags: number;
}

export function statfs(path: string): StatfsResult {
  const buf = Buffer.alloc(STATFS_SIZE);
  if (rawStatfs(path, buf) < 0) throw new SyscallError('statfs', path, koffi.errno());
  return {
    type: Number(buf.readBigInt64LE(F_TYPE_OFFSET) & 0xffffffffn),
    flags: Number(buf.readBigUInt64LE(F_FLAGS_OFFSET) & 0xffffffffn),
  };
}
