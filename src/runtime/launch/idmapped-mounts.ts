// The sources of id-mapped bind mounts, made by the runtime as root of the host: the
// kernel maps a mount only for a caller with CAP_SYS_ADMIN over the filesystem's user
// namespace (the host's), which the init in the container's user namespace lacks.
// Each source becomes a detached copy (open_tree OPEN_TREE_CLONE, with its submounts
// for rbind), mapped with mount_setattr(MOUNT_ATTR_IDMAP) through a user namespace that
// holds the mount's maps: one holder process (userns-holder.ts) per distinct maps,
// stopped once the mounts are mapped (a mapped mount keeps its namespace). The init
// inherits each fd at the slot `mount:<index>` and attaches it with move_mount
// (src/rootfs/mounts.ts). A copy nobody attached vanishes when its last fd closes.
import { closeSync, openSync } from 'node:fs';
import { AT_RECURSIVE, O_CLOEXEC, O_RDONLY, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE } from '../../../ffi/constants.js';
import { fromNodeError, withContext } from '../../errors.js';
import type { IdmapPlan, MountPlan } from '../../plan/types.js';
import type { Sys } from '../../syscall/sys.js';
import { formatIdMap, writeIdMaps } from './id-maps.js';
import { startUserNamespaceHolder, type UserNamespaceHolder } from './userns-holder.js';

export interface IdmappedMountOptions {
  startHolder?: () => Promise<UserNamespaceHolder>;
  /** Where the holders' uid_map and gid_map are (/proc but in tests). */
  procRoot?: string;
}

/** Makes the mapped source of every id-mapped mount: mount index → an fd of its detached mount (close-on-exec). */
export async function openIdmappedSources(
  sys: Sys, mounts: readonly MountPlan[], opts: IdmappedMountOptions = {},
): Promise<Map<number, number>> {
  const trees = new Map<number, number>();
  if (!mounts.some((m) => m.idmap)) return trees;
  const startHolder = opts.startHolder ?? startUserNamespaceHolder;
  /** An open user namespace per distinct maps. */
  const namespaces = new Map<string, number>();
  const holders: UserNamespaceHolder[] = [];
  const namespaceFor = async (idmap: IdmapPlan): Promise<number> => {
    const key = `${formatIdMap(idmap.uidMap)}/${formatIdMap(idmap.gidMap)}`;
    const known = namespaces.get(key);
    if (known !== undefined) return known;
    const holder = await startHolder();
    holders.push(holder);
    writeIdMaps(holder.pid, idmap, { procRoot: opts.procRoot });
    let fd: number;
    try {
      fd = openSync(holder.nsPath, O_RDONLY | O_CLOEXEC);
    } catch (err) {
      throw fromNodeError(err, 'open', holder.nsPath);
    }
    namespaces.set(key, fd);
    return fd;
  };
  try {
    for (const [i, m] of mounts.entries()) {
      const idmap = m.idmap;
      if (!idmap) continue;
      const source = m.bindSource!;
      try {
        const usernsFd = await namespaceFor(idmap);
        const tree = sys.openTree(source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.options.recursiveBind ? AT_RECURSIVE : 0));
        trees.set(i, tree);
        sys.setMountIdmap(tree, usernsFd, idmap.recursive ? AT_RECURSIVE : 0, source);
      } catch (err) {
        throw withContext(`id-map mount ${m.source ?? source} to ${m.destination}`, err);
      }
    }
  } catch (err) {
    for (const fd of trees.values()) closeQuietly(fd);
    throw err;
  } finally {
    for (const fd of namespaces.values()) closeQuietly(fd);
    for (const holder of holders) await holder.stop();
  }
  return trees;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch { /* a test double's fd, or already closed */ }
}
