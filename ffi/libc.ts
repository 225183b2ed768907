// Typed Koffi bindings to the libc calls the runtime makes. Each wrapper checks the
// result and throws a SyscallError naming the call, its target and the errno name.
// Only src/syscall/linux.ts and the leaf modules listed in eslint.config.js import this.
import koffi, { lazy, lazyFunctions, withBlocks } from './koffi.js';
import { SyscallError } from './errors.js';
import { AT_FDCWD, O_NONBLOCK, SYS, WNOHANG } from './constants.js';

const libc = lazy(() => koffi.load('libc.so.6'));

const raw = lazyFunctions(() => libc, {
  mount: 'int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)',
  umount2: 'int umount2(const char *target, int flags)',
  chroot: 'int chroot(const char *path)',
  chdir: 'int chdir(const char *path)',
  unshare: 'int unshare(int flags)',
  setns: 'int setns(int fd, int nstype)',
  sethostname: 'int sethostname(const char *name, size_t len)',
  setdomainname: 'int setdomainname(const char *name, size_t len)',
  mknod: 'int mknod(const char *path, uint32_t mode, uint64_t dev)',
  prctl: 'int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)',
  prlimit: 'int prlimit(int pid, int resource, const void *newLimit, _Out_ void *oldLimit)',
  setresuid: 'int setresuid(uint32_t r, uint32_t e, uint32_t s)',
  setresgid: 'int setresgid(uint32_t r, uint32_t e, uint32_t s)',
  setgroups: 'int setgroups(size_t n, const uint32_t *list)',
  personality: 'int personality(unsigned long persona)',
  setsid: 'int setsid()',
  fcntl: 'int fcntl(int fd, int cmd, int arg)',
  ioctlInt: 'int ioctl(int fd, unsigned long request, int arg)',
  ioctlPtr: 'int ioctl(int fd, unsigned long request, void *arg)',
  flock: 'int flock(int fd, int op)',
  mkfifo: 'int mkfifo(const char *path, uint32_t mode)',
  socketpair: 'int socketpair(int domain, int type, int protocol, _Out_ int *sv)',
  pipe2: 'int pipe2(_Out_ int *fds, int flags)',
  execve: 'int execve(const char *path, const char **argv, const char **envp)',
  getpid: 'int getpid()',
  waitpid: 'int waitpid(int pid, _Out_ int *status, int options)',
  getcwd: 'void *getcwd(void *buf, size_t size)',
  syscall: 'long syscall(long number, ...)',
  poll: 'int poll(void *fds, unsigned long nfds, int timeout)',
  openat: 'int openat(int dirfd, const char *path, int flags, uint32_t mode)',
  capset: 'int capset(void *hdr, void *data)',
  capget: 'int capget(void *hdr, _Out_ void *data)',
  dup3: 'int dup3(int oldfd, int newfd, int flags)',
  close: 'int close(int fd)',
  renameat2: 'int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)',
});

function fail(syscall: string, target: string): never {
  throw new SyscallError(syscall, target, koffi.errno());
}

function check(ret: number | bigint, syscall: string, target: string): number {
  if (Number(ret) < 0) fail(syscall, target);
  return Number(ret);
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  const what = fstype && !source?.startsWith('/') ? fstype : source ?? fstype ?? 'none';
  check(raw.mount(source, target, fstype, flags, data), 'mount', `${what} on ${target}`);
}

export function umount2(target: string, flags: number): void {
  check(raw.umount2(target, flags), 'umount2', target);
}

export function pivotRoot(newRoot: string, putOld: string): void {
  check(raw.syscall(SYS.pivot_root, 'str', newRoot, 'str', putOld), 'pivot_root', newRoot);
}

export function chdir(path: string): void {
  check(raw.chdir(path), 'chdir', path);
}

export function chroot(path: string): void {
  check(raw.chroot(path), 'chroot', path);
}

export function unshare(flags: number): void {
  check(raw.unshare(flags), 'unshare', `0x${flags.toString(16)}`);
}

export function setns(fd: number, nstype: number, what: string): void {
  check(raw.setns(fd, nstype), 'setns', what);
}

export function sethostname(name: string): void {
  check(raw.sethostname(name, Buffer.byteLength(name)), 'sethostname', name);
}

export function setdomainname(name: string): void {
  check(raw.setdomainname(name, Buffer.byteLength(name)), 'setdomainname', name);
}

export function mknod(path: string, mode: number, dev: bigint): void {
  check(raw.mknod(path, mode, dev), 'mknod', path);
}

export function mkfifo(path: string, mode: number): void {
  check(raw.mkfifo(path, mode), 'mkfifo', path);
}

export function prctl(option: number, a2: number | bigint = 0, a3: number | bigint = 0, a4 = 0, a5 = 0, what = `option ${option}`): number {
  return check(raw.prctl(option, a2, a3, a4, a5), 'prctl', what);
}

/** prlimit(2) on a pid (0 = self); returns the previous [soft, hard]. */
export function prlimit(pid: number, resource: number, limit?: { soft: bigint; hard: bigint }, what = `resource ${resource}`): [bigint, bigint] {
  let next: Buffer | null = null;
  if (limit) {
    next = Buffer.alloc(16);
    next.writeBigUInt64LE(limit.soft, 0);
    next.writeBigUInt64LE(limit.hard, 8);
  }
  const old = Buffer.alloc(16);
  check(raw.prlimit(pid, resource, next, old), 'prlimit', what);
  return [old.readBigUInt64LE(0), old.readBigUInt64LE(8)];
}

export function setresuid(uid: number): void {
  check(raw.setresuid(uid, uid, uid), 'setresuid', String(uid));
}

export function setresgid(gid: number): void {
  check(raw.setresgid(gid, gid, gid), 'setresgid', String(gid));
}

export function setgroups(gids: number[]): void {
  check(raw.setgroups(gids.length, gids.length ? new Uint32Array(gids) : null), 'setgroups', gids.join(',') || '[]');
}

export function personality(persona: number): void {
  check(raw.personality(persona), 'personality', `0x${persona.toString(16)}`);
}

export function setsid(): void {
  check(raw.setsid(), 'setsid', '');
}

export function fcntl(fd: number, cmd: number, arg: number, what = `fd ${fd}`): number {
  return check(raw.fcntl(fd, cmd, arg), 'fcntl', what);
}

export function ioctl(fd: number, request: number, arg: number | Buffer, what = `fd ${fd}`): number {
  const ret = typeof arg === 'number' ? raw.ioctlInt(fd, request, arg) : raw.ioctlPtr(fd, request, arg);
  return check(ret, 'ioctl', what);
}

export function flock(fd: number, op: number, what: string): void {
  check(raw.flock(fd, op), 'flock', what);
}

export function socketpair(domain: number, type: number): [number, number] {
  const sv = new Int32Array(2);
  check(raw.socketpair(domain, type, 0, sv), 'socketpair', '');
  return [sv[0]!, sv[1]!];
}

/** A pipe: [read end, write end]. */
export function pipe2(flags: number): [number, number] {
  const fds = new Int32Array(2);
  check(raw.pipe2(fds, flags), 'pipe2', '');
  return [fds[0]!, fds[1]!];
}

/** Replaces the process image; returns only by throwing. */
export function execve(path: string, argv: string[], envp: string[]): never {
  raw.execve(path, [...argv, null], [...envp, null]);
  fail('execve', path);
}

/** poll(2) for POLLIN on one fd: true when it is readable (or closed), false when `timeoutMs` passed. */
export function pollIn(fd: number, timeoutMs: number, what = `fd ${fd}`): boolean {
  return pollReadable([fd], timeoutMs, what).length > 0;
}

/**
 * poll(2) for POLLIN on several fds: those readable, hung up or in error, or [] when
 * `timeoutMs` passed (a negative timeout waits without end).
 */
export function pollReadable(fds: readonly number[], timeoutMs: number, what: string): number[] {
  const pfds = Buffer.alloc(8 * fds.length); // struct pollfd: int fd; short events; short revents
  fds.forEach((fd, i) => {
    pfds.writeInt32LE(fd, 8 * i);
    pfds.writeInt16LE(1, 8 * i + 4); // POLLIN
  });
  const timeout = timeoutMs < 0 ? -1 : Math.min(Math.ceil(timeoutMs), 0x7fffffff);
  if (check(raw.poll(pfds, fds.length, timeout), 'poll', what) === 0) return [];
  return fds.filter((_fd, i) => pfds.readInt16LE(8 * i + 6) !== 0);
}

/**
 * seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) with a BPF program (struct sock_filter[]):
 * on the calling thread. struct sock_fprog holds the program's address, so the program is
 * copied to C memory of a stable address first.
 */
export function seccompSetModeFilter(program: Uint8Array, flags: number): void {
  const SECCOMP_SET_MODE_FILTER = 1;
  withBlocks([program.length], (insns) => {
    insns.bytes.set(program);
    const fprog = Buffer.alloc(16); // struct sock_fprog: unsigned short len; (padding); struct sock_filter *filter
    fprog.writeUInt16LE(program.length / 8, 0);
    fprog.writeBigUInt64LE(insns.address, 8);
    check(raw.syscall(SYS.seccomp, 'unsigned int', SECCOMP_SET_MODE_FILTER, 'unsigned int', flags, 'void *', fprog),
      'seccomp', `SECCOMP_SET_MODE_FILTER (${program.length / 8} instructions)`);
  });
}

/** pidfd_open(2): an fd that turns readable when the process exits. */
export function pidfdOpen(pid: number): number {
  return check(raw.syscall(SYS.pidfd_open, 'int', pid, 'unsigned int', 0), 'pidfd_open', `pid ${pid}`);
}

/** waitpid(pid, WNOHANG): the wait status of a child that has ended (and is now reaped), or undefined while it runs. */
export function waitpidNoHang(pid: number): number | undefined {
  const status = new Int32Array(1);
  const ret = check(raw.waitpid(pid, status, WNOHANG), 'waitpid', `pid ${pid}`);
  return ret === 0 ? undefined : status[0]!;
}

export function getpid(): number {
  return raw.getpid();
}

type SyscallArg = ['int' | 'uint' | 'long' | 'ulong' | 'str' | 'void *', unknown];

/** A raw syscall(2) with typed variadic arguments: rawSyscall(SYS.x, 'name', ['int', 1]). */
export function rawSyscall(nr: number, name: string, target: string, ...args: SyscallArg[]): number {
  const flat: unknown[] = [];
  for (const [type, value] of args) flat.push(type === 'ulong' ? 'unsigned long' : type === 'uint' ? 'unsigned int' : type, value);
  return check(raw.syscall(nr, ...flat), name, target);
}

export function lastErrno(): number {
  return koffi.errno();
}

// --- capabilities ---------------------------------------------------------------

const CAP_V3 = 0x20080522;

export interface CapSets { effective: bigint; permitted: bigint; inheritable: bigint }

function capHeader(): Buffer {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32LE(CAP_V3, 0); // pid 0 = the calling thread
  return hdr;
}

/** capset(2) for the calling thread (64-bit sets, version 3: two u32 triples). */
export function capset(sets: CapSets): void {
  const data = Buffer.alloc(24);
  const fields = [sets.effective, sets.permitted, sets.inheritable];
  fields.forEach((v, i) => {
    data.writeUInt32LE(Number(v & 0xffffffffn), i * 4);
    data.writeUInt32LE(Number((v >> 32n) & 0xffffffffn), 12 + i * 4);
  });
  check(raw.capset(capHeader(), data), 'capset', '');
}

export function capget(): CapSets {
  const data = Buffer.alloc(24);
  check(raw.capget(capHeader(), data), 'capget', '');
  const join = (i: number) => (BigInt(data.readUInt32LE(12 + i * 4)) << 32n) | BigInt(data.readUInt32LE(i * 4));
  return { effective: join(0), permitted: join(1), inheritable: join(2) };
}

// --- file descriptors ---------------------------------------------------------------

export function openat(dirfd: number, path: string, flags: number, mode = 0, what = path): number {
  return check(raw.openat(dirfd, path, flags, mode), 'openat', what);
}

/**
 * openat(2) made in a pool thread, for an open that blocks (a fifo's, until its other
 * end is opened) while the main thread goes on. Koffi's async calls do not keep errno,
 * so a failure is named by the same open made again at once, non-blocking.
 */
export function openatInPool(dirfd: number, path: string, flags: number, mode = 0, what = path): Promise<number> {
  return new Promise((resolve, reject) => {
    raw.openat.async(dirfd, path, flags, mode, (err: unknown, fd: number) => {
      if (err) reject(err);
      else if (fd >= 0) resolve(fd);
      else {
        try {
          resolve(openat(dirfd, path, flags | O_NONBLOCK, mode, what));
        } catch (retryErr) {
          reject(retryErr);
        }
      }
    });
  });
}

export function dup3(oldfd: number, newfd: number, flags = 0): void {
  check(raw.dup3(oldfd, newfd, flags), 'dup3', `fd ${oldfd} to ${newfd}`);
}

export function close(fd: number): void {
  check(raw.close(fd), 'close', `fd ${fd}`);
}

/** close(2) where a failure changes nothing (an fd of ours being given up). */
export function closeQuietly(fd: number): void {
  raw.close(fd);
}

const RENAME_NOREPLACE = 1;

/** rename(2) that fails with EEXIST instead of replacing `to` (renameat2 RENAME_NOREPLACE). */
export function renameNoReplace(from: string, to: string): void {
  check(raw.renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE), 'renameat2', `${from} to ${to}`);
}

// --- raw syscalls glibc does not wrap (numbers from constants.ts SYS) ---------------

export function mountSetattr(
  dirfd: number, path: string, atFlags: number, attrSet: number, attrClr: number, propagation: number, usernsFd = 0, what = path,
): void {
  const attr = Buffer.alloc(32); // struct mount_attr: attr_set, attr_clr, propagation, userns_fd (u64 each)
  attr.writeBigUInt64LE(BigInt(attrSet), 0);
  attr.writeBigUInt64LE(BigInt(attrClr), 8);
  attr.writeBigUInt64LE(BigInt(propagation), 16);
  attr.writeBigUInt64LE(BigInt(usernsFd), 24);
  check(raw.syscall(SYS.mount_setattr, 'int', dirfd, 'str', path, 'unsigned int', atFlags, 'void *', attr, 'size_t', 32), 'mount_setattr', what);
}

/** open_tree(2) on a path: with OPEN_TREE_CLONE, a detached copy of the mount (and with AT_RECURSIVE, of its submounts). */
export function openTree(dirfd: number, path: string, flags: number): number {
  return check(raw.syscall(SYS.open_tree, 'int', dirfd, 'str', path, 'unsigned int', flags), 'open_tree', path);
}

/** move_mount(2) of the mount open at `fromFd` (MOVE_MOUNT_F_EMPTY_PATH) onto `target`. */
export function moveMountFd(fromFd: number, target: string, flags: number): void {
  check(raw.syscall(SYS.move_mount, 'int', fromFd, 'str', '', 'int', AT_FDCWD, 'str', target, 'unsigned int', flags), 'move_mount', target);
}

export function ioprioSet(ioprio: number): void {
  const IOPRIO_WHO_PROCESS = 1;
  check(raw.syscall(SYS.ioprio_set, 'int', IOPRIO_WHO_PROCESS, 'int', 0, 'int', ioprio), 'ioprio_set', `0x${ioprio.toString(16)}`);
}

export function schedSetattr(a: { policy: number; flags: bigint; nice: number; priority: number; runtime: bigint; deadline: bigint; period: bigint }): void {
  const attr = Buffer.alloc(48); // struct sched_attr, SCHED_ATTR_SIZE_VER0
  attr.writeUInt32LE(48, 0);
  attr.writeUInt32LE(a.policy, 4);
  attr.writeBigUInt64LE(a.flags, 8);
  attr.writeInt32LE(a.nice, 16);
  attr.writeUInt32LE(a.priority, 20);
  attr.writeBigUInt64LE(a.runtime, 24);
  attr.writeBigUInt64LE(a.deadline, 32);
  attr.writeBigUInt64LE(a.period, 40);
  check(raw.syscall(SYS.sched_setattr, 'int', 0, 'void *', attr, 'unsigned int', 0), 'sched_setattr', `policy ${a.policy}`);
}

/** getcwd(3): glibc answers ENOENT when the kernel says the cwd is "(unreachable)" from our root. */
export function getcwd(): string {
  const buf = Buffer.alloc(4097);
  if (!raw.getcwd(buf, buf.length)) fail('getcwd', '.');
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

export function closeRangeCloexec(first: number): void {
  const CLOSE_RANGE_CLOEXEC = 4;
  check(raw.syscall(SYS.close_range, 'unsigned int', first, 'unsigned int', 0xffffffff, 'unsigned int', CLOSE_RANGE_CLOEXEC), 'close_range', `${first}..`);
}
