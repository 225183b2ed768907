// Koffi bindings for AF_UNIX sockets: socket, connect, and sendmsg/recvmsg carrying
// one file descriptor as SCM_RIGHTS (how the pty master reaches the console socket).
// Node's net module cannot pass fds, so these calls go straight to libc. All of them
// are synchronous: the init runs them on its main thread.
import koffi, { lazy } from './koffi.js';
import { RuntimeError, SyscallError } from './errors.js';
import { errnoNumber } from './errno.js';
import { closeQuietly } from './libc.js';
import {
  AF_UNIX,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SCM_RIGHTS,
  SOCK_CLOEXEC,
  SOL_SOCKET,
} from './constants.js';

const libc = lazy(() => koffi.load('libc.so.6'));

const types = lazy(() => {
  const iovec = koffi.struct('ocirt_iovec', { iov_base: 'void *', iov_len: 'size_t' });
  // Registered by name for the sendmsg/recvmsg prototypes below.
  koffi.struct('ocirt_msghdr', {
    msg_name: 'void *',
    msg_namelen: 'uint32_t',
    msg_iov: 'void *',
    msg_iovlen: 'size_t',
    msg_control: 'void *',
    msg_controllen: 'size_t',
    msg_flags: 'int',
  });
  return { iovec };
});

const raw = lazy(() => {
  void types.iovec; // the structs the prototypes name, registered first
  return {
    socket: libc.func('int socket(int domain, int type, int protocol)'),
    connect: libc.func('int connect(int fd, const void *addr, uint32_t len)'),
    sendmsg: libc.func('long sendmsg(int fd, const ocirt_msghdr *msg, int flags)'),
    recvmsg: libc.func('long recvmsg(int fd, _Inout_ ocirt_msghdr *msg, int flags)'),
  };
});

/** sizeof(sockaddr_un.sun_path). */
export const SUN_PATH_MAX = 108;

// struct cmsghdr is {size_t len; int level; int type} = 16 bytes on 64-bit, then the data.
const CMSG_HDR = 16;
const CMSG_ONE_FD_LEN = CMSG_HDR + 4; // CMSG_LEN(sizeof(int))
const CMSG_ONE_FD_SPACE = CMSG_HDR + 8; // CMSG_SPACE(sizeof(int))
const EINTR = errnoNumber('EINTR') ?? 4;

function fail(syscall: string, target: string): never {
  throw new SyscallError(syscall, target, koffi.errno());
}

/** socket(2); CLOEXEC is always added so the fd never leaks into an exec'd program. */
export function socket(domain: number, type: number): number {
  const fd = raw.socket(domain, type | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) fail('socket', '');
  return fd;
}

/**
 * connect(2) to a filesystem AF_UNIX address. `path` must fit sun_path (107 bytes
 * plus NUL); callers shorten longer paths first (see connectUnixPath).
 */
export function connectUnix(fd: number, path: string, what = path): void {
  const bytes = Buffer.from(path);
  if (bytes.length >= SUN_PATH_MAX) throw new SyscallError('connect', what, errnoNumber('ENAMETOOLONG') ?? 36, 'ENAMETOOLONG');
  const addr = Buffer.alloc(2 + SUN_PATH_MAX);
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  if ((raw.connect(fd, addr, 2 + bytes.length + 1) as number) < 0) fail('connect', what);
}

/** C memory for one sendmsg/recvmsg: the kernel reads and writes it directly. */
function withMessage<T>(dataLen: number, controlLen: number, fn: (m: { data: unknown; iov: unknown; control: unknown }) => T): T {
  const data = koffi.alloc('uint8', Math.max(dataLen, 1));
  const iov = koffi.alloc(types.iovec, 1);
  const control = koffi.alloc('uint8', controlLen);
  try {
    koffi.encode(iov, types.iovec, { iov_base: data, iov_len: dataLen });
    return fn({ data, iov, control });
  } finally {
    koffi.free(control);
    koffi.free(iov);
    koffi.free(data);
  }
}

/**
 * Sends `payload` with one fd attached (SCM_RIGHTS). On a connected stream socket
 * this returns as soon as the kernel queued the message: it does not wait for the
 * peer to read (or even accept) it.
 */
export function sendFd(sock: number, fd: number, payload: Buffer, what = `fd ${sock}`): void {
  // At least one byte of ordinary data must travel with ancillary data on a stream socket.
  const body = payload.length > 0 ? payload : Buffer.from([0]);
  withMessage(body.length, CMSG_ONE_FD_SPACE, ({ data, iov, control }) => {
    koffi.encode(data, 'uint8', Array.from(body), body.length);
    const cmsg = Buffer.alloc(CMSG_ONE_FD_SPACE);
    cmsg.writeBigUInt64LE(BigInt(CMSG_ONE_FD_LEN), 0);
    cmsg.writeInt32LE(SOL_SOCKET, 8);
    cmsg.writeInt32LE(SCM_RIGHTS, 12);
    cmsg.writeInt32LE(fd, 16);
    koffi.encode(control, 'uint8', Array.from(cmsg), cmsg.length);
    const msg = {
      msg_name: null, msg_namelen: 0, msg_iov: iov, msg_iovlen: 1,
      msg_control: control, msg_controllen: CMSG_ONE_FD_SPACE, msg_flags: 0,
    };
    let n = Number(raw.sendmsg(sock, msg, MSG_NOSIGNAL));
    while (n < 0 && koffi.errno() === EINTR) n = Number(raw.sendmsg(sock, msg, MSG_NOSIGNAL));
    if (n < 0) fail('sendmsg', what);
    if (n !== body.length) throw new RuntimeError(`sendmsg ${what}: short write (${n} of ${body.length} bytes)`);
  });
}

export interface ReceivedFd {
  fd: number;
  /** The ordinary data that came with the fd (runc sends the pty's name). */
  payload: Buffer;
}

/**
 * Receives one message carrying exactly one fd (made CLOEXEC). With `nonblock`,
 * returns null instead of waiting when nothing is queued. Errors when the peer
 * closed without sending, or sent no fd or more than one.
 */
export function recvFd(sock: number, opts: { nonblock?: boolean; maxPayload?: number; what?: string } = {}): ReceivedFd | null {
  const what = opts.what ?? `fd ${sock}`;
  const max = opts.maxPayload ?? 4096;
  const controlLen = 64; // room for a few fds: any extra ones are closed, not leaked
  return withMessage(max, controlLen, ({ data, iov, control }) => {
    const msg = {
      msg_name: null, msg_namelen: 0, msg_iov: iov, msg_iovlen: 1,
      msg_control: control, msg_controllen: controlLen, msg_flags: 0,
    };
    const flags = MSG_CMSG_CLOEXEC | (opts.nonblock ? MSG_DONTWAIT : 0);
    let n = Number(raw.recvmsg(sock, msg, flags));
    while (n < 0 && koffi.errno() === EINTR) n = Number(raw.recvmsg(sock, msg, flags));
    if (n < 0) {
      const errno = koffi.errno();
      if (opts.nonblock && errno === errnoNumber('EAGAIN')) return null;
      fail('recvmsg', what);
    }
    const payload = n > 0 ? Buffer.from(koffi.decode(data, 'uint8', n) as number[]) : Buffer.alloc(0);
    const fds = controlFds(Buffer.from(koffi.decode(control, 'uint8', Number(msg.msg_controllen)) as number[]));
    if (n === 0 && fds.length === 0) throw new RuntimeError(`recvmsg ${what}: peer closed without sending a file descriptor`);
    if (fds.length !== 1 || (msg.msg_flags & MSG_CTRUNC) !== 0) {
      for (const fd of fds) closeQuietly(fd);
      throw new RuntimeError(`recvmsg ${what}: expected 1 file descriptor, got ${fds.length}`);
    }
    return { fd: fds[0]!, payload };
  });
}

/** The fds of every SCM_RIGHTS message in a control buffer. */
function controlFds(buf: Buffer): number[] {
  const fds: number[] = [];
  let off = 0;
  while (off + CMSG_HDR <= buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    if (len < CMSG_HDR || off + len > buf.length) break;
    if (buf.readInt32LE(off + 8) === SOL_SOCKET && buf.readInt32LE(off + 12) === SCM_RIGHTS) {
      for (let p = off + CMSG_HDR; p + 4 <= off + len; p += 4) fds.push(buf.readInt32LE(p));
    }
    off += (len + 7) & ~7; // CMSG_ALIGN
  }
  return fds;
}
