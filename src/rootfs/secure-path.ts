// Path handling inside an untrusted rootfs (security notes §2.4, 2.5, 2.9, 2.10, 2.13).
//
// Before pivot_root every path we touch is a host path, and the rootfs content is
// untrusted: a symlink like `/etc -> /` or `/dev -> ../../host` must never make us read,
// create or mount anything outside the rootfs. Node's path helpers are lexical and its
// fs calls follow symlinks against the host root, so we resolve paths ourselves, one
// component at a time, the way filepath-securejoin does: a symlink's target is resolved
// as if the rootfs were `/`, `..` never climbs above the rootfs, and missing components
// are kept as they are (a dangling symlink is "hallucinated" inside the rootfs, as runc
// does for image compatibility).
//
// What remains racy: a process sharing a volume with the container can swap a component
// for a symlink between our check and the kernel's use of the path. We narrow that
// window (creation never follows, and callers re-check with verifyInRoot right before
// they mount), but closing it needs fd-based mounting (openat2 + /proc/self/fd).
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { constants as fsConstants } from 'node:fs';
import { SyscallError, fromNodeError } from '../errors.js';
import { errnoNumber } from '../../ffi/errno.js';

/** The kernel's limit on symlinks followed during one lookup (MAXSYMLINKS is 40; securejoin allows 255). */
const MAX_SYMLINKS = 255;

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is not a directory; the rest of the path is then taken lexically,
    // and creating it fails later with a clear error.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fromNodeError(err, 'lstat', p);
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function hostPath(root: string, parts: string[]): string {
  return parts.length === 0 ? root : `${root === '/' ? '' : root}/${parts.join('/')}`;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component (default true, as mount(2) would). */
  followFinal?: boolean;
}

/**
 * Resolves `unsafePath` (a path inside the container, absolute or relative to its `/`)
 * under the host directory `root` without ever leaving it. Returns a host path that
 * starts with `root`; it may not exist. `root` must be absolute and contain no symlinks
 * (pass it through fs.realpathSync once).
 */
export function resolveInRoot(root: string, unsafePath: string, options: ResolveOptions = {}): string {
  const followFinal = options.followFinal ?? true;
  const resolved: string[] = [];
  const pending = splitPath(unsafePath);
  let linksFollowed = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop(); // clamped: popping an empty list stays at the root
      continue;
    }
    const candidate = hostPath(root, [...resolved, part]);
    const st = lstatOrUndefined(candidate);
    const isLast = pending.length === 0;
    if (!st?.isSymbolicLink() || (isLast && !followFinal)) {
      resolved.push(part);
      continue;
    }
    if (++linksFollowed > MAX_SYMLINKS) {
      throw new SyscallError('resolve', `${unsafePath} in ${root}`, errnoNumber('ELOOP') ?? 40, 'ELOOP');
    }
    const target = fs.readlinkSync(candidate);
    // An absolute target restarts at the rootfs's root; a relative one continues from the link's directory.
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...splitPath(target));
  }
  return hostPath(root, resolved);
}

/**
 * Resolves the parent of `unsafePath` under `root` (following symlinks, clamped) and
 * appends the last component unresolved: the result names the entry itself, never a
 * symlink's target. Used to create or replace device nodes and symlinks.
 */
export function resolveEntryInRoot(root: string, unsafePath: string): string {
  const parts = splitPath(unsafePath);
  const last = parts.pop();
  if (last === undefined || last === '..') {
    throw new SyscallError('resolve', `${unsafePath} in ${root}`, errnoNumber('EINVAL') ?? 22, 'EINVAL');
  }
  const parent = resolveInRoot(root, parts.join('/'));
  return `${parent === '/' ? '' : parent}/${last}`;
}

/** Whether host path `p` is `root` or below it (lexically). */
export function isWithin(root: string, p: string): boolean {
  return p === root || root === '/' || p.startsWith(`${root}/`);
}

/**
 * Checks, right before a mount, that host path `p` is inside `root` and that none of its
 * components below `root` is a symlink now (one may have been swapped in since we
 * resolved it). Throws ELOOP-style errors naming the path.
 */
export function verifyInRoot(root: string, p: string): void {
  let real: string;
  try {
    real = fs.realpathSync.native(p);
  } catch (err) {
    throw fromNodeError(err, 'realpath', p);
  }
  if (real !== p || !isWithin(root, real)) {
    throw new SyscallError('verify', `${p} (now resolves to ${real}, outside ${root} or through a symlink)`,
      errnoNumber('EXDEV') ?? 18, 'EXDEV');
  }
}

/**
 * Creates every missing directory of host path `target` below `root` (which must already
 * be resolved with resolveInRoot), one component at a time, never following a symlink:
 * mkdir(2) does not follow a final symlink, and each component is checked to be a real
 * directory afterwards. Returns `target`.
 */
export function mkdirAllInRoot(root: string, target: string, mode = 0o755): string {
  if (!isWithin(root, target)) {
    throw new SyscallError('mkdir', `${target} (outside ${root})`, errnoNumber('EXDEV') ?? 18, 'EXDEV');
  }
  const parts = splitPath(target.slice(root.length));
  let current = root;
  for (const part of parts) {
    current = hostPath(current, [part]);
    try {
      fs.mkdirSync(current, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromNodeError(err, 'mkdir', current);
    }
    const st = lstatOrUndefined(current);
    if (!st?.isDirectory()) {
      const code = st?.isSymbolicLink() ? 'ELOOP' : 'ENOTDIR';
      throw new SyscallError('mkdir', current, errnoNumber(code) ?? 0, code);
    }
  }
  return target;
}

/**
 * Makes sure host path `target` (resolved under `root`) exists as a file: creates the
 * missing parent directories safely and the file itself with O_CREAT|O_EXCL|O_NOFOLLOW,
 * so an existing entry (whatever it is) is left alone and nothing is opened through a
 * symlink. Returns `target`.
 */
export function createFileInRoot(root: string, target: string, mode = 0o644): string {
  mkdirAllInRoot(root, path.dirname(target));
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
  try {
    fs.closeSync(fs.openSync(target, flags, mode));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fromNodeError(err, 'open', target);
  }
  return target;
}

/** Makes `target` exist as a directory or a file (bind-mount destinations follow their source's kind). */
export function createMountpointInRoot(root: string, target: string, asDirectory: boolean): string {
  return asDirectory ? mkdirAllInRoot(root, target) : createFileInRoot(root, target);
}

/** Container path as shown in messages: always absolute and clean. */
export function containerPath(p: string): string {
  return path.resolve('/', p);
}
