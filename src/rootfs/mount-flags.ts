// Mount-flag helpers shared by the rootfs steps: statfs flags → MS_* flags (to keep a
// mount's locked flags on a bind remount) and `linux.rootfsPropagation` values.
import {
  MS_MANDLOCK, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_NOSYMFOLLOW, MS_PRIVATE,
  MS_RDONLY, MS_REC, MS_RELATIME, MS_SHARED, MS_SLAVE, MS_STRICTATIME, MS_SYNCHRONOUS, MS_UNBINDABLE,
} from '../../ffi/constants.js';
import { RuntimeError } from '../errors.js';

// statfs(2) f_flags bits (<bits/statvfs.h>, linux/statfs.h).
const ST_RDONLY = 0x1;
const ST_NOSUID = 0x2;
const ST_NODEV = 0x4;
const ST_NOEXEC = 0x8;
const ST_SYNCHRONOUS = 0x10;
const ST_MANDLOCK = 0x40;
const ST_NOATIME = 0x400;
const ST_NODIRATIME = 0x800;
const ST_RELATIME = 0x1000;
const ST_NOSYMFOLLOW = 0x2000;

/** The mutually exclusive atime modes. */
export const MS_ATIME_ENUM = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
export const MS_ATIME_FLAGS = MS_ATIME_ENUM | MS_NODIRATIME;
/**
 * Flags the kernel locks on mounts inherited into a less privileged mount namespace
 * (MNT_LOCK_*): a bind remount that drops them fails with EPERM.
 */
export const MS_LOCKED_FLAGS = MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_ATIME_FLAGS;

const ST_TO_MS: readonly [number, number][] = [
  [ST_RDONLY, MS_RDONLY],
  [ST_NOSUID, MS_NOSUID],
  [ST_NODEV, MS_NODEV],
  [ST_NOEXEC, MS_NOEXEC],
  [ST_SYNCHRONOUS, MS_SYNCHRONOUS],
  [ST_MANDLOCK, MS_MANDLOCK],
  [ST_NOATIME, MS_NOATIME],
  [ST_NODIRATIME, MS_NODIRATIME],
  [ST_RELATIME, MS_RELATIME],
  [ST_NOSYMFOLLOW, MS_NOSYMFOLLOW],
];

/** statfs f_flags → MS_* flags. No atime bit means strictatime (it is not stored as a flag). */
export function statfsToMountFlags(stFlags: number): number {
  let flags = 0;
  for (const [st, ms] of ST_TO_MS) if ((stFlags & st) === st) flags |= ms;
  if ((flags & MS_ATIME_ENUM) === 0) flags |= MS_STRICTATIME;
  return flags;
}

const ROOTFS_PROPAGATION: Readonly<Record<string, number>> = {
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** The default when `linux.rootfsPropagation` is unset: host mounts reach the container, nothing goes back. */
export const DEFAULT_ROOT_PROPAGATION = MS_SLAVE | MS_REC;

/**
 * `linux.rootfsPropagation` → MS_* flags. The spec lists shared/slave/private/unbindable;
 * like runc we also take the recursive r-forms. Unset or empty → undefined (default).
 */
export function rootfsPropagationFlags(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const flags = ROOTFS_PROPAGATION[value];
  if (flags === undefined) throw new RuntimeError(`rootfsPropagation=${value} is not supported`);
  return flags;
}

/**
 * Whether the propagation is applied to the new `/` after pivot_root: only unbindable,
 * which would stop the rootfs bind. shared applies before, as in runc (the new `/` is private).
 */
export function appliesAfterPivot(flags: number): boolean {
  return (flags & MS_UNBINDABLE) !== 0;
}
