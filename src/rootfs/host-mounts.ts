// Mounts a container without a mount namespace of its own leaves in the host's: its
// init works in the host's mount namespace, so the rootfs bind, proc, dev, sys, the
// masked and read-only paths all land on the host under the rootfs. `create` notes
// which mounts were under the rootfs before it started (by mount id); whatever is
// under it later and not among them is the container's, and `delete` (or a failed
// create's rollback) detaches it, deepest first.
import * as fs from 'node:fs';
import { MNT_DETACH } from '../../ffi/constants.js';
import * as libc from '../../ffi/libc.js';
import { fromNodeError, SyscallError } from '../errors.js';
import { type MountinfoEntry, parseMountinfo, readOwnMountinfo } from '../linux/mountinfo.js';
import { isWithin } from './secure-path.js';

/** What the create journal and the state record keep (a new field of both). */
export interface HostMounts {
  /** The rootfs, symlinks resolved, as mountinfo shows it. */
  rootfs: string;
  /** Ids of the mounts at or under the rootfs before create mounted anything. */
  preexisting: number[];
}

/** Notes the mounts under `rootfs` now, before create mounts anything there. */
export function snapshotHostMounts(rootfs: string, mountinfo = readOwnMountinfo()): HostMounts {
  let real: string;
  try {
    real = fs.realpathSync.native(rootfs);
  } catch (err) {
    throw fromNodeError(err, 'realpath', rootfs);
  }
  const preexisting = parseMountinfo(mountinfo).filter((m) => isWithin(real, m.mountPoint)).map((m) => m.id);
  return { rootfs: real, preexisting };
}

/** The container's mounts still in the host's table: deepest first, the top of a stack first. */
export function containerMounts(h: HostMounts, mountinfo = readOwnMountinfo()): MountinfoEntry[] {
  return ours(h, parseMountinfo(mountinfo));
}

function ours(h: HostMounts, all: MountinfoEntry[]): MountinfoEntry[] {
  const before = new Set(h.preexisting);
  return all
    .filter((m) => isWithin(h.rootfs, m.mountPoint) && !before.has(m.id))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length || b.id - a.id);
}

/**
 * Detaches every mount the container made in the host's namespace. A mount is only
 * unmounted while it is the top one at its path (umount2 takes the top one); each
 * failure goes to `warn` and the others are still tried.
 */
export function unmountHostMounts(h: HostMounts, warn: (msg: string) => void, umount2 = libc.umount2): void {
  const failed = new Set<number>();
  // Each round removes one (and MNT_DETACH takes whatever is under it along).
  for (let round = 0; round < 10_000; round++) {
    const all = parseMountinfo(readOwnMountinfo());
    const next = ours(h, all).find((m) => !failed.has(m.id));
    if (next === undefined) return;
    const onTop = !all.some((m) => m.parentId === next.id && m.mountPoint === next.mountPoint);
    if (!onTop) {
      failed.add(next.id);
      warn(`not unmounting ${next.mountPoint}: another mount is stacked on it`);
      continue;
    }
    try {
      umount2(next.mountPoint, MNT_DETACH);
    } catch (err) {
      failed.add(next.id);
      if (err instanceof SyscallError && (err.code === 'EINVAL' || err.code === 'ENOENT')) continue; // gone already
      warn(`unmount ${next.mountPoint}: ${(err as Error).message}`);
    }
  }
}
