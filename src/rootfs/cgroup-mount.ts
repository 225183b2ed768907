// The `cgroup` mount (runc mountCgroupV1 / mountCgroupV2).
//
// cgroup v2 host: a cgroup2 mount (with a cgroup namespace it shows the container's own
// sub-tree); if the kernel refuses it, bind the host's hierarchy instead.
// cgroup v1 / hybrid host: a tmpfs at the destination and, per v1 hierarchy, a bind mount
// of the container's own cgroup directory (or, with a cgroup namespace, a fresh cgroup
// mount of that hierarchy), named after the hierarchy's mount point (`cpu,cpuacct`), plus
// one symlink per co-mounted controller (`cpu -> cpu,cpuacct`). Like runc, the cgroup2
// part of a hybrid host is not shown.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../../ffi/constants.js';
import { RuntimeError, SyscallError, fromNodeError } from '../errors.js';
import { parseMountinfo } from '../cgroups/layout.js';
import type { ParsedMountOptions } from '../linux/mount-options.js';
import { applyPropagation, bindInto, type MountContext } from './mount-ops.js';
import { mkdirAllInRoot, resolveInRoot, verifyInRoot } from './secure-path.js';
import type { RootfsMount } from './types.js';
import { hasNamespace } from '../namespaces.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const HOST_CGROUP_ROOT = '/sys/fs/cgroup';
const TMPFS_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC;

/** One v1 hierarchy the container belongs to. */
interface V1Hierarchy {
  /** Name under the destination: the base name of the host mount point (`cpu,cpuacct`, `systemd`). */
  name: string;
  /** The container's cgroup directory in it (host path). */
  dir: string;
  /** Its controllers as /proc/self/cgroup names them (`cpu`, `name=systemd`). */
  controllers: string[];
}

/** `type: cgroup`: v1 layout when the container has v1 cgroup directories, else cgroup2. */
export function mountCgroup(ctx: MountContext, m: RootfsMount, opts: ParsedMountOptions, dest: string): void {
  const keys = Object.keys(ctx.cgroupPaths);
  const isV2 = keys.length > 0 ? keys.every((k) => k === '') : ctx.sys.statfs(HOST_CGROUP_ROOT).type === CGROUP2_SUPER_MAGIC;
  if (isV2) mountCgroup2(ctx, m, opts, dest);
  else mountCgroupV1(ctx, opts, dest);
}

export function mountCgroup2(ctx: MountContext, m: RootfsMount, opts: ParsedMountOptions, dest: string): void {
  const target = mkdirAllInRoot(ctx.rootfs, resolveInRoot(ctx.rootfs, dest));
  verifyInRoot(ctx.rootfs, target);
  try {
    ctx.sys.mount(m.source ?? 'cgroup2', target, 'cgroup2', opts.flags, opts.data === '' ? null : opts.data);
  } catch (err) {
    // Without a cgroup namespace of its own (or in a user namespace) the kernel may refuse a new cgroup2 mount.
    if (!(err instanceof SyscallError) || (err.code !== 'EPERM' && err.code !== 'EBUSY')) throw err;
    const own = ctx.cgroupPaths[''];
    const source = hasNamespace(ctx.spec, 'cgroup') && own ? own : HOST_CGROUP_ROOT;
    bindInto(ctx.sys, ctx.rootfs, source, target, { ...opts, flags: opts.flags | MS_BIND });
    return;
  }
  applyPropagation(ctx.sys, target, opts.propagation);
}

function mountCgroupV1(ctx: MountContext, opts: ParsedMountOptions, dest: string): void {
  const hierarchies = v1Hierarchies(ctx);
  const readonly = (opts.flags & MS_RDONLY) !== 0;
  const target = mkdirAllInRoot(ctx.rootfs, resolveInRoot(ctx.rootfs, dest));
  verifyInRoot(ctx.rootfs, target);
  // Writable even for "ro", as in runc: "ro" applies to the hierarchies in it.
  ctx.sys.mount('tmpfs', target, 'tmpfs', TMPFS_FLAGS, 'mode=755');
  applyPropagation(ctx.sys, target, opts.propagation);

  const ownNamespace = hasNamespace(ctx.spec, 'cgroup');
  for (const h of hierarchies) {
    // Inside our fresh tmpfs: nothing there can be a symlink planted by the image.
    const sub = mkdirAllInRoot(ctx.rootfs, `${target}/${h.name}`);
    if (ownNamespace) {
      const data = h.controllers.join(',');
      ctx.sys.mount('cgroup', sub, 'cgroup', TMPFS_FLAGS | (readonly ? MS_RDONLY : 0), data);
      applyPropagation(ctx.sys, sub, opts.propagation);
    } else {
      bindInto(ctx.sys, ctx.rootfs, h.dir, sub, { ...opts, flags: opts.flags | MS_BIND, recursiveBind: true });
    }
  }
  for (const h of hierarchies) {
    if (!h.name.includes(',')) continue;
    for (const controller of h.name.split(',')) {
      try {
        fs.symlinkSync(h.name, `${target}/${controller}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromNodeError(err, 'symlink', `${target}/${controller}`);
      }
    }
  }
}

/** The v1 hierarchies of the container's cgroup directories, named after their host mount points. */
function v1Hierarchies(ctx: MountContext): V1Hierarchy[] {
  const byDir = new Map<string, string[]>();
  for (const [controller, dir] of Object.entries(ctx.cgroupPaths)) {
    if (controller === '') continue; // the cgroup2 part of a hybrid layout
    byDir.set(dir, [...(byDir.get(dir) ?? []), controller]);
  }
  if (byDir.size === 0) return [];
  const mountPoints = parseMountinfo(ctx.mountinfo())
    .filter((e) => e.fsType === 'cgroup')
    .map((e) => e.mountPoint);
  const hierarchies: V1Hierarchy[] = [];
  for (const [dir, controllers] of byDir) {
    const mountPoint = mountPoints
      .filter((mp) => dir === mp || dir.startsWith(`${mp}/`))
      .sort((a, b) => b.length - a.length)[0];
    if (mountPoint === undefined) throw new RuntimeError(`no cgroup v1 mount holds ${dir}`);
    const name = path.basename(mountPoint);
    if (!hierarchies.some((h) => h.name === name)) hierarchies.push({ name, dir, controllers });
  }
  return hierarchies;
}
