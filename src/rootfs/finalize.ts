// After pivot_root, paths are container paths: the deferred read-only remounts, the
// read-only root, `readonlyPaths` and `maskedPaths` (runc finalizeRootfs, readonlyPath,
// maskPath; same order as runc's standard init).
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { AT_RECURSIVE, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT } from '../../ffi/constants.js';
import { RuntimeError, SyscallError, fromNodeError, wrap } from '../errors.js';
import { sleepSync } from '../sleep.js';
import type { Sys } from '../syscall/sys.js';
import { MS_LOCKED_FLAGS, statfsToMountFlags } from './mount-flags.js';
import type { ContainerPlan } from '../plan/types.js';
import { runStep, type Step } from '../step.js';

export interface FinalizeRootfsOptions {
  plan: Pick<ContainerPlan, 'root' | 'mounts' | 'readonlyPaths' | 'maskedPaths'>;
  step?: Step;
  /**
   * Where the container's `/` is for the file checks (what exists, file or directory,
   * is /dev/null genuine). Always `/` in the init; tests point it at a temp dir. Mount
   * calls always use container paths.
   */
  fsRoot?: string;
}

const O_PATH = 0o10000000;
const EBUSY_RETRIES = 5;

export function finalizeRootfs(sys: Sys, options: FinalizeRootfsOptions): void {
  const { plan } = options;
  const step = options.step ?? runStep;
  const fsRoot = options.fsRoot ?? '/';

  for (const m of plan.mounts) {
    if (!m.deferredReadonly) continue;
    const { options: opts, destination: dest } = m;
    if ((opts.flags & MS_RDONLY) !== 0) {
      step(`remount ${dest} read-only`, () => wrap(`remount ${dest} read-only`, () => remountReadonly(sys, dest, opts.flags)));
    }
    if (opts.recAttrSet !== 0 || opts.recAttrClr !== 0) {
      step(`recursive attributes of ${dest}`, () =>
        wrap(`set recursive attributes of ${dest}`, () => sys.mountSetattr(dest, AT_RECURSIVE, opts.recAttrSet, opts.recAttrClr, 0)));
    }
  }

  if (plan.root.readonly) step('read-only rootfs', () => wrap('set rootfs read-only', () => setRootReadonly(sys)));

  for (const p of plan.readonlyPaths) {
    step(`readonly path ${p}`, () => wrap(`make ${p} read-only`, () => readonlyPath(sys, p)));
  }
  const masked = plan.maskedPaths;
  if (masked.length > 0) {
    const devNull = openVerifiedDevNull(fsRoot);
    try {
      for (const p of masked) step(`mask ${p}`, () => wrap(`mask ${p}`, () => maskPath(sys, fsRoot, p, devNull.source)));
    } finally {
      fs.closeSync(devNull.fd);
    }
  }

  // unbindable could not be set before the rootfs was bound onto itself, and set earlier
  // (runbindable) it would stop the readonly-path and mask binds above: set it last.
  const propagation = plan.root.propagationLast;
  if (propagation !== undefined) {
    step('rootfs propagation', () => wrap('set rootfs propagation', () => sys.mount(null, '/', null, propagation, null)));
  }
}

/** MS_BIND|MS_REMOUNT|MS_RDONLY keeps the mount's other flags and works in a user namespace; EBUSY is retried. */
function remountReadonly(sys: Sys, dest: string, flags: number): void {
  const wanted = (flags & ~MS_REC) | MS_REMOUNT | MS_BIND | MS_RDONLY;
  for (let attempt = 1; ; attempt++) {
    try {
      sys.mount(null, dest, null, wanted, null);
      return;
    } catch (err) {
      if (!(err instanceof SyscallError) || err.code !== 'EBUSY' || attempt >= EBUSY_RETRIES) throw err;
      sleepSync(100);
    }
  }
}

/** Remounts `/` read-only; if its flags are locked, keep them (runc setReadonly). */
function setRootReadonly(sys: Sys): void {
  const wanted = MS_BIND | MS_REMOUNT | MS_RDONLY;
  try {
    sys.mount(null, '/', null, wanted, null);
  } catch (err) {
    const locked = statfsToMountFlags(sys.statfs('/').flags) & MS_LOCKED_FLAGS;
    if (locked === 0) throw err;
    sys.mount(null, '/', null, wanted | locked, null);
  }
}

/** Bind a path onto itself and remount it read-only, keeping nosuid/nodev/noexec. Missing paths are skipped. */
function readonlyPath(sys: Sys, p: string): void {
  try {
    sys.mount(p, p, null, MS_BIND | MS_REC, null);
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOENT') return;
    throw err;
  }
  const keep = statfsToMountFlags(sys.statfs(p).flags) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  sys.mount(p, p, null, keep | MS_BIND | MS_REMOUNT | MS_RDONLY, null);
}

/**
 * Opens the container's /dev/null without following a symlink and checks it is the
 * character device 1:3 (CVE-2025-31133: a swapped /dev/null would bind its target, e.g.
 * /proc/sys/kernel/core_pattern, read-write over a masked path). Masks bind that very
 * inode through /proc/self/fd when /proc is there.
 */
function openVerifiedDevNull(fsRoot: string): { fd: number; source: string } {
  const devNull = path.join(fsRoot, 'dev/null');
  let fd: number;
  try {
    fd = fs.openSync(devNull, O_PATH | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw withMessage(fromNodeError(err, 'open', '/dev/null'), 'invalid /dev/null');
  }
  const st = fs.fstatSync(fd, { bigint: true });
  if (!st.isCharacterDevice() || st.rdev !== 0x103n) {
    fs.closeSync(fd);
    throw new RuntimeError('invalid /dev/null: not the character device 1:3');
  }
  const viaFd = fs.existsSync(path.join(fsRoot, 'proc/self/fd'));
  return { fd, source: viaFd ? `/proc/self/fd/${fd}` : '/dev/null' };
}

function withMessage(err: Error, context: string): Error {
  err.message = `${context}: ${err.message}`;
  return err;
}

/** Files get /dev/null bound over them, directories an empty read-only tmpfs; missing paths are skipped. */
function maskPath(sys: Sys, fsRoot: string, p: string, devNull: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(path.join(fsRoot, p));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw fromNodeError(err, 'stat', p);
  }
  if (st.isDirectory()) sys.mount('tmpfs', p, 'tmpfs', MS_RDONLY, null);
  else sys.mount(devNull, p, null, MS_BIND, null);
}
