// /dev inside the rootfs (runc createDevices / setupPtmx / setupDevSymlinks): the default
// devices, `linux.devices`, /dev/ptmx -> pts/ptmx, the /proc/self/fd symlinks and /dev/shm.
// Every path is resolved inside the rootfs and its last component is never followed, so
// an image whose /dev (or /dev/null) is a symlink cannot make us touch host files
// (runc CVE-2026-41579, crun CVE-2026-47766).
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { MS_BIND, S_IFIFO, S_IFMT } from '../../ffi/constants.js';
import { SyscallError, fromNodeError, wrap } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import { createFileInRoot, mkdirAllInRoot, resolveEntryInRoot, resolveInRoot, verifyInRoot } from './secure-path.js';
import type { DevicePlan, DevicesPlan } from '../plan/types.js';
import type { Step } from '../step.js';

/** /dev entries that point into /proc (runtime-linux.md "Dev symbolic links"). */
const DEV_SYMLINKS: readonly [target: string, link: string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

export interface DevContext {
  sys: Sys;
  dev: DevicesPlan;
  rootfs: string;
  step: Step;
}

/** Populates /dev (the caller checks `dev.setup`: a /dev bound from the host is left alone). */
export function setupDev(ctx: DevContext): void {
  // Modes are exact: the device's fileMode, not fileMode minus our umask.
  const oldMask = ctx.sys.umask(0);
  try {
    for (const device of ctx.dev.devices) {
      ctx.step(`device ${device.path}`, () =>
        wrap(`create device ${device.path}`, () => createDevice(ctx, device, ctx.dev.bindOnly)));
    }
  } finally {
    ctx.sys.umask(oldMask);
  }
  ctx.step('/dev/ptmx', () => wrap('set up /dev/ptmx', () => replaceWithSymlink(ctx.rootfs, '/dev/ptmx', 'pts/ptmx')));
  ctx.step('/dev symlinks', () => wrap('set up /dev symlinks', () => createDevSymlinks(ctx.rootfs)));
  ctx.step('/dev/shm', () => wrap('create /dev/shm', () => ensureShm(ctx.rootfs)));
}

/** glibc makedev(): dev_t from major and minor. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

function lstatOrUndefined(p: string): fs.BigIntStats | undefined {
  try {
    return fs.lstatSync(p, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromNodeError(err, 'lstat', p);
  }
}

function createDevice(ctx: DevContext, device: DevicePlan, bindOnly: boolean): void {
  const { typeBits, mode } = device;
  const dev = typeBits === S_IFIFO ? 0n : makedev(device.major, device.minor);
  const target = resolveEntryInRoot(ctx.rootfs, device.path);
  mkdirAllInRoot(ctx.rootfs, path.dirname(target));

  const existing = lstatOrUndefined(target);
  if (existing !== undefined) {
    const sameNode = (Number(existing.mode) & S_IFMT) === typeBits && (typeBits === S_IFIFO || existing.rdev === dev);
    if (sameNode && !bindOnly) {
      // Already the requested device (an image's /dev): keep it, with the requested mode and owner.
      fs.chmodSync(target, mode);
      ctx.sys.lchown(target, device.uid, device.gid);
      return;
    }
    if (existing.isDirectory()) {
      throw new SyscallError('mknod', `${target} (a directory is in the way)`, 17, 'EEXIST');
    }
    // The host's node is bound over a file or node that is there (one a mount of the
    // config's may have put there, which could not be unlinked: EBUSY), as runc does.
    if (bindOnly && !existing.isSymbolicLink()) return bindHostDevice(ctx, device, target);
    // Anything else there (a file, a symlink, another device) is replaced; unlink never follows.
    try {
      fs.unlinkSync(target);
    } catch (err) {
      throw fromNodeError(err, 'unlink', target);
    }
  }

  if (bindOnly) return bindHostDevice(ctx, device, target);
  try {
    ctx.sys.mknod(target, typeBits | mode, dev);
  } catch (err) {
    // Not allowed to create device nodes (no CAP_MKNOD, or a user namespace): bind the host's.
    if (err instanceof SyscallError && err.code === 'EPERM') return bindHostDevice(ctx, device, target);
    throw err;
  }
  ctx.sys.lchown(target, device.uid, device.gid);
}

function bindHostDevice(ctx: DevContext, device: DevicePlan, target: string): void {
  createFileInRoot(ctx.rootfs, target, 0o644);
  verifyInRoot(ctx.rootfs, target);
  ctx.sys.mount(device.path, target, null, MS_BIND, null);
}

/** Makes `link` (a container path) a symlink to `to`, replacing whatever file is there. */
function replaceWithSymlink(rootfs: string, link: string, to: string): void {
  const target = resolveEntryInRoot(rootfs, link);
  mkdirAllInRoot(rootfs, path.dirname(target));
  try {
    fs.unlinkSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(err, 'unlink', target);
  }
  try {
    fs.symlinkSync(to, target);
  } catch (err) {
    throw fromNodeError(err, 'symlink', target);
  }
}

function createDevSymlinks(rootfs: string): void {
  const links = [...DEV_SYMLINKS];
  // Only where the kernel has /proc/kcore (CONFIG_PROC_KCORE), as runc checks on the host.
  if (fs.existsSync('/proc/kcore')) links.push(['/proc/kcore', '/dev/core']);
  for (const [to, link] of links) {
    const target = resolveEntryInRoot(rootfs, link);
    mkdirAllInRoot(rootfs, path.dirname(target));
    try {
      fs.symlinkSync(to, target);
    } catch (err) {
      // An existing entry is left as the image or a mount made it.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromNodeError(err, 'symlink', target);
    }
  }
}

/** /dev/shm exists even without a shm mount in the config: POSIX shared memory needs it. */
function ensureShm(rootfs: string): void {
  const target = resolveInRoot(rootfs, '/dev/shm');
  if (lstatOrUndefined(target) !== undefined) return;
  mkdirAllInRoot(rootfs, target);
  fs.chmodSync(target, 0o1777);
}
