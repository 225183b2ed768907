// The real Sys: delegates to the Koffi bindings.
import * as libc from '../../ffi/libc.js';
import * as mountApi from '../../ffi/mount-api.js';
import { fchownSync, lchownSync } from 'node:fs';
import { setControllingTerminal } from '../../ffi/pty.js';
import {
  AF_INET, AT_EMPTY_PATH, NS_GET_NSTYPE, AT_FDCWD, F_GETFD, F_SETFD, FD_CLOEXEC, IFF_UP, IFNAMSIZ, MOUNT_ATTR_IDMAP, MOVE_MOUNT_F_EMPTY_PATH,
  SIOCGIFFLAGS, SIOCSIFFLAGS, SIZEOF_IFREQ, SOCK_DGRAM, SYS,
} from '../../ffi/constants.js';
import { socket } from '../../ffi/socket.js';
import type { Sys } from './sys.js';
import { fromNodeError } from '../errors.js';
import { cloexecFrom, listOwnFds } from './fd-sweep.js';
import { moveSelf } from '../cgroups/self-join.js';

const KEYCTL_JOIN_SESSION_KEYRING = 1;
/** Size of the kernel's sigset_t, which rt_sigaction takes. */
const KERNEL_SIGSET_SIZE = 8;

/**
 * Through the rt_sigaction syscall: glibc's signal() and sigaction() refuse 32 and 33
 * (EINVAL), which it keeps for itself, but a caller may have left them ignored.
 */
function resetSignals(signals: readonly number[]): void {
  // struct kernel_sigaction all zero: SIG_DFL, no flags, no restorer, empty mask.
  const action = Buffer.alloc(32);
  for (const sig of signals) {
    libc.rawSyscall(SYS.rt_sigaction, 'rt_sigaction', `${sig} SIG_DFL`,
      ['int', sig], ['void *', action], ['void *', null], ['ulong', KERNEL_SIGSET_SIZE]);
  }
}

/** SIOCGIFFLAGS then SIOCSIFFLAGS with IFF_UP added, on `lo`, through an AF_INET datagram socket. */
function loopbackUp(): void {
  const fd = socket(AF_INET, SOCK_DGRAM);
  try {
    const ifreq = Buffer.alloc(SIZEOF_IFREQ);
    ifreq.write('lo', 0, IFNAMSIZ - 1, 'latin1');
    libc.ioctl(fd, SIOCGIFFLAGS, ifreq, 'SIOCGIFFLAGS lo');
    ifreq.writeUInt16LE(ifreq.readUInt16LE(IFNAMSIZ) | IFF_UP, IFNAMSIZ);
    libc.ioctl(fd, SIOCSIFFLAGS, ifreq, 'SIOCSIFFLAGS lo');
  } finally {
    libc.close(fd);
  }
}

function setCloexec(fd: number, on: boolean): void {
  const flags = libc.fcntl(fd, F_GETFD, 0);
  libc.fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

export const linuxSys: Sys = {
  mount: libc.mount,
  umount2: libc.umount2,
  mountSetattr: (path, atFlags, set, clr, propagation) => libc.mountSetattr(AT_FDCWD, path, atFlags, set, clr, propagation),
  openTree: (path, flags) => libc.openTree(AT_FDCWD, path, flags),
  setMountIdmap: (treeFd, usernsFd, atFlags, what) =>
    libc.mountSetattr(treeFd, '', AT_EMPTY_PATH | atFlags, MOUNT_ATTR_IDMAP, 0, 0, usernsFd, what),
  moveMount: (fromFd, target) => libc.moveMountFd(fromFd, target, MOVE_MOUNT_F_EMPTY_PATH),
  pivotRoot: libc.pivotRoot,
  chroot: libc.chroot,
  // chdir(2) itself: Bun's process.chdir reads the new cwd back and, when the kernel
  // names it "(unreachable)", reports ENOENT and goes back to "/", which would hide a
  // cwd outside the root from the check that follows.
  chdir: libc.chdir,
  getcwd: libc.getcwd,
  mknod: libc.mknod,
  statfs: mountApi.statfs,
  lchown: (path, uid, gid) => {
    try {
      lchownSync(path, uid, gid);
    } catch (err) {
      throw fromNodeError(err, 'lchown', path);
    }
  },
  unshare: libc.unshare,
  setns: libc.setns,
  sethostname: libc.sethostname,
  setdomainname: libc.setdomainname,
  // A raw syscall: glibc has no keyctl wrapper (libkeyutils does).
  joinSessionKeyring: (name) =>
    void libc.rawSyscall(SYS.keyctl, 'keyctl', name, ['int', KEYCTL_JOIN_SESSION_KEYRING], ['str', name]),
  joinCgroup: moveSelf,
  prctl: libc.prctl,
  setrlimit: (resource, soft, hard, what) => void libc.prlimit(0, resource, { soft, hard }, what),
  setgroups: libc.setgroups,
  setresgid: libc.setresgid,
  setresuid: libc.setresuid,
  capset: libc.capset,
  capget: libc.capget,
  personality: libc.personality,
  ioprioSet: libc.ioprioSet,
  schedSetattr: libc.schedSetattr,
  umask: (mask) => process.umask(mask),
  setsid: libc.setsid,
  setCloexec,
  cloexecFrom: (first) =>
    cloexecFrom(first, { closeRangeCloexec: libc.closeRangeCloexec, listFds: () => listOwnFds(), setCloexec: (fd) => setCloexec(fd, true) }),
  dup3: (oldfd, newfd) => libc.dup3(oldfd, newfd, 0),
  fchown: (fd, uid, gid) => {
    try {
      fchownSync(fd, uid, gid);
    } catch (err) {
      throw fromNodeError(err, 'fchown', `fd ${fd}`);
    }
  },
  setctty: (fd) => setControllingTerminal(fd),
  loopbackUp,
  namespaceType: (fd, what) => libc.ioctl(fd, NS_GET_NSTYPE, 0, `NS_GET_NSTYPE ${what}`),
  loadSeccomp: (filter) => libc.seccompSetModeFilter(Buffer.from(filter.program, 'base64'), filter.flags),
  resetSignals,
  execve: libc.execve,
};
