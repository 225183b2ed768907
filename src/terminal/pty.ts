// The container's pseudo-terminal, created by the init from the container's own
// devpts (runc opens /dev/ptmx inside the container after pivot_root, so the pty
// belongs to the container's devpts instance, never the host's).
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { O_CLOEXEC, O_NOCTTY, O_RDWR } from '../../ffi/constants.js';
import { openPtyPeer, ptyNumber, setWinSize, unlockPty } from '../../ffi/pty.js';
import { fromNodeError, SyscallError } from '../errors.js';
import type { Sys } from '../syscall/sys.js';

export interface Pty {
  master: number;
  slave: number;
  /** The slave as the container sees it: /dev/pts/N. */
  slavePath: string;
  /** N in /dev/pts/N. */
  number: number;
}

/** process.consoleSize, in characters. */
export interface ConsoleSize {
  height: number;
  width: number;
}

const PTY_FLAGS = O_RDWR | O_NOCTTY | O_CLOEXEC;

/**
 * Opens a new pty pair from `ptmxPath` (default /dev/ptmx: call it after pivot_root
 * and after devpts is mounted, so it is the container's). Both fds are close-on-exec;
 * makeControllingTerminal hands the slave to the program. The slave comes from
 * TIOCGPTPEER, falling back to opening pts/N next to the ptmx on kernels before 4.13.
 * `consoleSize` is applied when both sides are non-zero (as runc does).
 */
export function openPty(ptmxPath = '/dev/ptmx', consoleSize?: ConsoleSize): Pty {
  let master: number;
  try {
    master = openSync(ptmxPath, PTY_FLAGS);
  } catch (err) {
    throw fromNodeError(err, 'open', ptmxPath);
  }
  try {
    unlockPty(master);
    const number = ptyNumber(master);
    const slave = openSlave(master, ptmxPath, number);
    if (consoleSize && consoleSize.height > 0 && consoleSize.width > 0) {
      setWinSize(master, { rows: consoleSize.height, cols: consoleSize.width });
    }
    return { master, slave, slavePath: `/dev/pts/${number}`, number };
  } catch (err) {
    closeSync(master);
    throw err;
  }
}

function openSlave(master: number, ptmxPath: string, number: number): number {
  try {
    return openPtyPeer(master, PTY_FLAGS);
  } catch (err) {
    if (!(err instanceof SyscallError && (err.code === 'EINVAL' || err.code === 'ENOTTY'))) throw err;
  }
  // /dev/ptmx sits next to pts/, /dev/pts/ptmx inside it.
  const dir = path.dirname(ptmxPath);
  const ptsDir = path.basename(dir) === 'pts' ? dir : path.join(dir, 'pts');
  const slavePath = path.join(ptsDir, String(number));
  try {
    return openSync(slavePath, PTY_FLAGS);
  } catch (err) {
    throw fromNodeError(err, 'open', slavePath);
  }
}

/**
 * Makes `slave` the program's terminal: a new session (already being a session
 * leader is fine), the slave on 0, 1 and 2, then TIOCSCTTY on fd 0.
 */
export function makeControllingTerminal(sys: Sys, slave: number): void {
  try {
    sys.setsid();
  } catch (err) {
    // EPERM: we already lead a process group (spawned detached); TIOCSCTTY below
    // still fails clearly if we are not the session leader.
    if (!(err instanceof SyscallError && err.code === 'EPERM')) throw err;
  }
  for (const fd of [0, 1, 2]) if (slave !== fd) sys.dup3(slave, fd);
  sys.setctty(0);
}
