// The foreground side of `ocirt run`/`exec` with a terminal: copy our stdin to the
// pty master and the master to our stdout, with our own terminal in raw mode (the
// container's pty does the line editing and echo), and pass window size changes on.
import { fcntl } from '../../ffi/libc.js';
import { readFd, writeFd } from '../fd-streams.js';
import { F_DUPFD_CLOEXEC } from '../../ffi/constants.js';
import type { Readable, Writable } from 'node:stream';
import { getWinSize, setWinSize } from '../../ffi/pty.js';

type TtyLike = { isTTY?: boolean; fd?: number; setRawMode?: (mode: boolean) => unknown };

export interface ProxyOptions {
  stdin: Readable & TtyLike;
  stdout: Writable & TtyLike;
  /**
   * The fd whose window size the pty follows (at start and on every SIGWINCH);
   * default: stdout if it is a terminal, else stdin if it is one, else none.
   */
  sizeFrom?: number;
}

/** Copies the window size of terminal `from` to `to`; false when `from` has none. */
export function copyWinSize(from: number, to: number): boolean {
  try {
    setWinSize(to, getWinSize(from));
    return true;
  } catch {
    return false;
  }
}

/**
 * Proxies between the pty `master` (whose ownership passes to the proxy: it is
 * closed at the end) and the given streams. Resolves once the pty has closed (every
 * slave fd is gone: the container's processes exited) and the output is flushed.
 */
export function proxyTerminal(master: number, opts: ProxyOptions): Promise<void> {
  const { stdin, stdout } = opts;
  // A stream each way over the master (a copy of it for writing); a read fails with
  // EIO once the last slave fd has closed: that is the end.
  const input = writeFd(fcntl(master, F_DUPFD_CLOEXEC, 0, 'pty master'), 'pty');
  const output = readFd(master, 'pty');
  const sizeFrom = opts.sizeFrom ?? (stdout.isTTY ? stdout.fd : stdin.isTTY ? stdin.fd : undefined);
  const raw = Boolean(stdin.isTTY && stdin.setRawMode);

  const onWinch = () => {
    if (sizeFrom !== undefined) copyWinSize(sizeFrom, master);
  };
  if (sizeFrom !== undefined) {
    onWinch();
    process.on('SIGWINCH', onWinch);
  }
  if (raw) stdin.setRawMode!(true);

  return new Promise<void>((resolve, reject) => {
    let failed: Error | undefined;
    const cleanup = () => {
      process.off('SIGWINCH', onWinch);
      stdin.unpipe(input);
      stdin.pause();
      input.destroy();
      if (raw) stdin.setRawMode!(false);
    };
    output.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EIO') failed ??= err;
      output.destroy();
    });
    // EIO: the last slave closed while we were writing; the read side ends next.
    input.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EIO') failed ??= err;
    });
    output.on('close', () => {
      cleanup();
      if (failed) return reject(failed);
      // An empty write completes after everything queued before it.
      stdout.write('', () => resolve());
    });
    output.pipe(stdout, { end: false });
    stdin.pipe(input, { end: false });
  });
}
