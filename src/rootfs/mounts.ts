// One entry of `mounts`, mounted under the rootfs before pivot_root (runc mountToRootfs).
// Every destination is resolved inside the rootfs (secure-path.ts) and created without
// following symlinks; errors name the mount ("mount proc to /proc (type proc): ...").
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { MOUNT_ATTR_RDONLY, MS_RDONLY } from '../../ffi/constants.js';
import { RuntimeError, SyscallError, fromNodeError, wrap } from '../errors.js';
import type { ParsedMountOptions } from '../linux/mount-options.js';
import { mountCgroup, mountCgroup2 } from './cgroup-mount.js';
import { applyPropagation, applyRecursiveAttrs, bindInto, type MountContext } from './mount-ops.js';
import {
  createMountpointInRoot, isWithin, mkdirAllInRoot, resolveEntryInRoot, resolveInRoot, verifyInRoot,
} from './secure-path.js';
import type { MountPlan } from '../plan/types.js';

export const PROC_SUPER_MAGIC = 0x9fa0;

/**
 * Files under /proc that may be mount destinations: lxcfs emulates them (runc's list).
 * Anything else below /proc could hide or redirect the kernel's files.
 */
const PROC_MOUNT_ALLOWLIST = new Set([
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime',
  '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid', '/proc/sys/crypto/fips_enabled',
]);

/**
 * Mounts one `mounts` entry under the rootfs. Read-only flags and recursive attributes of
 * tmpfs and /dev mounts wait for finalizeRootfs (`deferredReadonly`): the runtime still
 * writes into /dev (devices, symlinks) and into tmpfs roots (copy-up). An id-mapped bind
 * mount is the detached mount open at `mappedSource`, attached instead of a new bind.
 */
export function mountToRootfs(ctx: MountContext, m: MountPlan, mappedSource?: number): void {
  const { type, destination: dest, options: opts } = m;
  wrap(`mount ${m.source ?? type} to ${dest} (type ${type || 'none'})`, () => {
    // Every mount, whatever its type, passes here: none may land inside /proc.
    checkProcDestination(ctx, procCheckTarget(ctx, m, dest), dest, () =>
      m.bind ? ctx.sys.statfs(m.bindSource!).type === PROC_SUPER_MAGIC : type === 'proc');
    if (m.bind) return bindMount(ctx, m, opts, dest, mappedSource);
    switch (type) {
      case 'proc':
      case 'sysfs':
        return mountPseudoFs(ctx, m, opts, dest);
      case 'tmpfs':
        return mountTmpfs(ctx, m, opts, dest);
      case 'cgroup':
        return mountCgroup(ctx, m, opts, dest);
      case 'cgroup2':
        return mountCgroup2(ctx, m, opts, dest);
      default:
        return mountGeneric(ctx, m, opts, dest);
    }
  });
}

/**
 * Where the mount will land, as its type resolves it: proc and sysfs never follow a
 * final symlink (they refuse one), every other type follows it inside the rootfs.
 */
function procCheckTarget(ctx: MountContext, m: MountPlan, dest: string): string {
  if (dest === '/') return ctx.rootfs;
  return !m.bind && (m.type === 'proc' || m.type === 'sysfs') ? resolveEntryInRoot(ctx.rootfs, dest) : resolveInRoot(ctx.rootfs, dest);
}

/**
 * Rejects destinations that would cover or redirect the kernel's /proc (CVE-2019-16884):
 * /proc itself takes only procfs, and below it only the lxcfs files are allowed.
 */
function checkProcDestination(ctx: MountContext, target: string, dest: string, isProcSource: () => boolean): void {
  const procDir = path.join(ctx.rootfs, 'proc');
  if (!isWithin(procDir, target) || ctx.rootfs === target) return;
  if (target === procDir) {
    if (isProcSource()) return;
    throw new RuntimeError(`${dest} cannot be mounted because it is not of type proc`);
  }
  const inContainer = `/proc${target.slice(procDir.length)}`;
  if (PROC_MOUNT_ALLOWLIST.has(inContainer)) return;
  throw new RuntimeError(`${dest} cannot be mounted because it is inside /proc`);
}

function bindMount(ctx: MountContext, m: MountPlan, opts: ParsedMountOptions, dest: string, mappedSource: number | undefined): void {
  if (m.idmap && mappedSource === undefined) throw new RuntimeError('the runtime gave no id-mapped source for this mount');
  const source = m.bindSource!;
  let isDir: boolean;
  try {
    isDir = fs.statSync(source).isDirectory();
  } catch (err) {
    throw fromNodeError(err, 'stat', source);
  }
  const target = resolveInRoot(ctx.rootfs, dest);
  createMountpointInRoot(ctx.rootfs, target, isDir);
  bindInto(ctx.sys, ctx.rootfs, source, target, opts, m.idmap ? mappedSource : undefined);
}

/** proc and sysfs must land on a real directory, never through a symlink (CVE-2019-19921, CVE-2023-27561). */
function mountPseudoFs(ctx: MountContext, m: MountPlan, opts: ParsedMountOptions, dest: string): void {
  const type = m.type;
  const target = dest === '/' ? ctx.rootfs : resolveEntryInRoot(ctx.rootfs, dest);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(err, 'lstat', target);
  }
  if (st && !st.isDirectory()) throw new RuntimeError(`filesystem "${type}" must be mounted on ordinary directory`);
  mkdirAllInRoot(ctx.rootfs, target);
  try {
    mountAt(ctx, m, opts, target, type, opts.flags);
  } catch (err) {
    // A new sysfs needs a network namespace owned by the mounter's user namespace: a
    // container with a user namespace but the host's network gets the host's /sys, bound
    // recursively with the mount's flags (as runc does); read-only then covers every mount below it too.
    if (type !== 'sysfs' || !(err instanceof SyscallError) || err.code !== 'EPERM') throw err;
    const recAttrSet = opts.recAttrSet | (opts.flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0);
    bindInto(ctx.sys, ctx.rootfs, '/sys', target, { ...opts, recursiveBind: true, recAttrSet });
    return;
  }
  applyRecursiveAttrs(ctx.sys, target, opts);
}

function mountTmpfs(ctx: MountContext, m: MountPlan, opts: ParsedMountOptions, dest: string): void {
  const target = resolveInRoot(ctx.rootfs, dest);
  let data = opts.data;
  const existing = statOrUndefined(target);
  // A tmpfs over an existing directory keeps that directory's mode unless the config sets one (runc).
  if (existing?.isDirectory() && !/(^|,)mode=/.test(data)) {
    const mode = `mode=${(existing.mode & 0o7777).toString(8).padStart(4, '0')}`;
    data = data === '' ? mode : `${mode},${data}`;
  }
  mkdirAllInRoot(ctx.rootfs, target);
  const copyUp = opts.extensions.includes('tmpcopyup') ? openDirectory(target) : undefined;
  try {
    // Read-only waits for finalizeRootfs (deferredReadonly): copy-up still writes here.
    mountAt(ctx, m, { ...opts, data }, target, 'tmpfs', opts.flags & ~MS_RDONLY);
    if (copyUp !== undefined) copyUpInto(copyUp, target);
  } finally {
    if (copyUp !== undefined) fs.closeSync(copyUp);
  }
}

function mountGeneric(ctx: MountContext, m: MountPlan, opts: ParsedMountOptions, dest: string): void {
  const target = resolveInRoot(ctx.rootfs, dest);
  mkdirAllInRoot(ctx.rootfs, target);
  // /dev stays writable until finalizeRootfs: the devices and symlinks go in first.
  const flags = dest === '/dev' ? opts.flags & ~MS_RDONLY : opts.flags;
  mountAt(ctx, m, opts, target, m.type === '' ? null : m.type, flags);
  if (dest !== '/dev') applyRecursiveAttrs(ctx.sys, target, opts);
}

/** mount(2) of a new filesystem at a resolved target, then its propagation changes. */
function mountAt(ctx: MountContext, m: MountPlan, opts: ParsedMountOptions, target: string, type: string | null, flags: number): void {
  verifyInRoot(ctx.rootfs, target);
  ctx.sys.mount(m.source ?? type, target, type, flags, opts.data === '' ? null : opts.data);
  applyPropagation(ctx.sys, target, opts.propagation);
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function openDirectory(p: string): number {
  try {
    return fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw fromNodeError(err, 'open', p);
  }
}

/**
 * tmpcopyup: copies what the directory held before the tmpfs covered it (still reachable
 * through `underFd`) into the new tmpfs, keeping modes, owners and symlinks as they are.
 */
function copyUpInto(underFd: number, target: string): void {
  const under = fs.fstatSync(underFd);
  const now = fs.statSync(target);
  if (under.dev === now.dev && under.ino === now.ino) return; // nothing was mounted (test double)
  copyTree(`/proc/self/fd/${underFd}`, target);
}

function copyTree(from: string, to: string): void {
  for (const name of fs.readdirSync(from)) {
    const src = `${from}/${name}`;
    const dst = `${to}/${name}`;
    const st = fs.lstatSync(src);
    if (st.isDirectory()) {
      fs.mkdirSync(dst);
      copyTree(src, dst);
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst);
    } else if (st.isFile()) {
      fs.copyFileSync(src, dst, fs.constants.COPYFILE_EXCL);
    } else {
      continue; // devices, fifos and sockets are not copied up
    }
    fs.lchownSync(dst, st.uid, st.gid);
    if (!st.isSymbolicLink()) fs.chmodSync(dst, st.mode & 0o7777);
  }
}
