// The --console-socket protocol (runc docs/terminals.md): the runtime connects to a
// unix stream socket the caller listens on, and the container init sends the pty
// master through it as one SCM_RIGHTS message whose data is the pty's name.
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { AF_UNIX, O_CLOEXEC, O_DIRECTORY, O_RDONLY, SOCK_STREAM } from '../../ffi/constants.js';
import * as sock from '../../ffi/socket.js';
import { fromNodeError, RuntimeError } from '../errors.js';

/**
 * Connects to the console socket at `socketPath` and returns the connected fd
 * (blocking, close-on-exec). A relative path is taken from the current directory
 * (runc has already moved into the bundle when it dials); abstract addresses are
 * refused. A path longer than sun_path is reached through its directory's
 * /proc/self/fd entry.
 */
export function connectConsoleSocket(socketPath: string): number {
  if (socketPath === '' || socketPath.startsWith('\0')) {
    throw new RuntimeError(`console socket ${JSON.stringify(socketPath)}: abstract or empty socket addresses are not supported`);
  }
  const full = path.resolve(socketPath);
  const fd = sock.socket(AF_UNIX, SOCK_STREAM);
  try {
    if (Buffer.byteLength(full) < sock.SUN_PATH_MAX) {
      sock.connectUnix(fd, full);
    } else {
      connectThroughDirFd(fd, full);
    }
    return fd;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function connectThroughDirFd(fd: number, full: string): void {
  let dirfd: number;
  try {
    dirfd = openSync(path.dirname(full), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } catch (err) {
    throw fromNodeError(err, 'open', path.dirname(full));
  }
  try {
    sock.connectUnix(fd, `/proc/self/fd/${dirfd}/${path.basename(full)}`, full);
  } finally {
    closeSync(dirfd);
  }
}

/**
 * Sends `fd` over the connected socket with `name` as the message data (runc sends
 * the master's name, "/dev/ptmx"). Returns once the kernel queued it; the peer need
 * not have accepted the connection yet.
 */
export function sendConsoleFd(socket: number, fd: number, name: string): void {
  sock.sendFd(socket, fd, Buffer.from(name), `console socket fd ${socket}`);
}

export interface ReceivedTerminal {
  fd: number;
  name: string;
}

/** Receives one fd sent with sendConsoleFd, waiting for it; the fd is close-on-exec. */
export function recvConsoleFd(socket: number): number {
  return recvTerminal(socket)!.fd;
}

/**
 * Receives one fd sent with sendConsoleFd together with its name (blocking unless
 * `nonblock`, which returns null when nothing is queued yet).
 */
export function recvTerminal(socket: number, opts: { nonblock?: boolean } = {}): ReceivedTerminal | null {
  const got = sock.recvFd(socket, { nonblock: opts.nonblock, what: `console socket fd ${socket}` });
  return got && { fd: got.fd, name: got.payload.toString() };
}
