// Pseudo-terminal ioctls (tty_ioctl(4), pts(4)) over the libc ioctl binding.
// Every call is synchronous and acts on the calling thread's process.
import { ioctl } from './libc.js';
import { TIOCGPTN, TIOCGPTPEER, TIOCGWINSZ, TIOCSCTTY, TIOCSPTLCK, TIOCSWINSZ } from './constants.js';

export interface WinSize { rows: number; cols: number }

/** unlockpt(3): TIOCSPTLCK with 0, so the slave can be opened. */
export function unlockPty(master: number): void {
  const zero = Buffer.alloc(4);
  ioctl(master, TIOCSPTLCK, zero, `TIOCSPTLCK fd ${master}`);
}

/** The pty number N of a master (its slave is /dev/pts/N). */
export function ptyNumber(master: number): number {
  const n = Buffer.alloc(4);
  ioctl(master, TIOCGPTN, n, `TIOCGPTN fd ${master}`);
  return n.readUInt32LE(0);
}

/**
 * Opens the slave of `master` through TIOCGPTPEER (Linux 4.13+), which needs no path
 * lookup: the slave is the one of this master's devpts instance, whatever /dev/pts
 * the caller sees.
 */
export function openPtyPeer(master: number, flags: number): number {
  return ioctl(master, TIOCGPTPEER, flags, `TIOCGPTPEER fd ${master}`);
}

export function getWinSize(fd: number): WinSize {
  const ws = Buffer.alloc(8); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel (u16 each)
  ioctl(fd, TIOCGWINSZ, ws, `TIOCGWINSZ fd ${fd}`);
  return { rows: ws.readUInt16LE(0), cols: ws.readUInt16LE(2) };
}

export function setWinSize(fd: number, size: WinSize): void {
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(size.rows, 0);
  ws.writeUInt16LE(size.cols, 2);
  ioctl(fd, TIOCSWINSZ, ws, `TIOCSWINSZ fd ${fd}`);
}

/** TIOCSCTTY: makes the tty on `fd` the controlling terminal of the calling session leader. */
export function setControllingTerminal(fd: number): void {
  ioctl(fd, TIOCSCTTY, 0, `TIOCSCTTY fd ${fd}`);
}
