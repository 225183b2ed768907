// /dev/console for `terminal: true`: the pty slave bound over a plain file
// (runtime-spec config-linux.md "Default Devices"; runc mountConsole).
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { MS_BIND } from '../../ffi/constants.js';
import { RuntimeError, fromNodeError, wrap } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import { createFileInRoot, mkdirAllInRoot, resolveEntryInRoot, verifyInRoot } from './secure-path.js';

export interface ConsoleOptions {
  /** The root the container's /dev lives under: the host rootfs path before pivot_root, `/` after. */
  rootfs: string;
  /** The pty slave (`/dev/pts/N`, or `/proc/self/fd/N` of an open slave). */
  ptySlavePath: string;
}

/** Unix98 pty slaves use majors 136..143. */
const PTY_SLAVE_MAJORS = { first: 136, last: 143 };

export function bindConsole(sys: Sys, options: ConsoleOptions): void {
  wrap('bind /dev/console', () => {
    verifyPtySlave(options.ptySlavePath);
    const root = realpath(options.rootfs);
    const target = resolveEntryInRoot(root, '/dev/console');
    mkdirAllInRoot(root, path.dirname(target));
    // Whatever the image has at /dev/console (a device, a symlink) is replaced by an empty
    // file; O_NOFOLLOW creation never writes through a symlink (CVE-2026-88264).
    let existing: fs.Stats | undefined;
    try {
      existing = fs.lstatSync(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(err, 'lstat', target);
    }
    if (existing && !existing.isFile()) {
      try {
        fs.unlinkSync(target);
      } catch (err) {
        throw fromNodeError(err, 'unlink', target);
      }
    }
    createFileInRoot(root, target, 0o666);
    verifyInRoot(root, target);
    sys.mount(options.ptySlavePath, target, null, MS_BIND, null);
  });
}

/**
 * The bind source must really be a pty slave (CVE-2025-52565: a /dev/pts/N swapped for a
 * symlink made runc bind procfs files there). A /proc/self/fd/N magic link is followed,
 * anything else is not.
 */
function verifyPtySlave(p: string): void {
  let st: fs.BigIntStats;
  try {
    st = p.startsWith('/proc/self/fd/') ? fs.statSync(p, { bigint: true }) : fs.lstatSync(p, { bigint: true });
  } catch (err) {
    throw fromNodeError(err, 'stat', p);
  }
  const major = Number(((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & ~0xfffn));
  if (!st.isCharacterDevice() || major < PTY_SLAVE_MAJORS.first || major > PTY_SLAVE_MAJORS.last) {
    throw new RuntimeError(`${p} is not a pty slave`);
  }
}

function realpath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch (err) {
    throw fromNodeError(err, 'realpath', p);
  }
}
