/**
 * Linux kernel / glibc constants used by the FFI layer and the pure tables in src/linux.
 *
 * Names are exactly the kernel (or glibc) names so call sites read like C.
 * Values are for x86_64 and were checked against the installed uapi/glibc headers
 * (see ffi/constants.test.ts, which re-reads /usr/include when it is present).
 * The few values that differ on arm64 (O_DIRECTORY, O_NOFOLLOW, syscall numbers)
 * are chosen from `process.arch`.
 *
 * This module is pure data: it must never load koffi, so anything may import it.
 *
 * JS bitwise operators work on signed 32-bit integers: every flag below that is
 * meant to be OR-ed stays below 2^31. The few 32-bit-unsigned or 64-bit values
 * are marked; combine those with `>>> 0` or BigInt.
 */

const ARCH = process.arch;

// ---------------------------------------------------------------------------
// mount(2) flags (linux/mount.h)
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOSYMFOLLOW = 0x100; // since 5.10
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_POSIXACL = 1 << 16;
export const MS_UNBINDABLE = 1 << 17;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
export const MS_RELATIME = 1 << 21;
export const MS_KERNMOUNT = 1 << 22;
export const MS_I_VERSION = 1 << 23;
export const MS_STRICTATIME = 1 << 24;
export const MS_LAZYTIME = 1 << 25;
/** Flags that a remount may change (the kernel ignores the others on MS_REMOUNT). */
export const MS_RMT_MASK = MS_RDONLY | MS_SYNCHRONOUS | MS_MANDLOCK | MS_I_VERSION | MS_LAZYTIME;

// umount2(2) flags (sys/mount.h)
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;
export const MNT_EXPIRE = 4;
export const UMOUNT_NOFOLLOW = 8;

// mount_setattr(2) / fsmount(2) attributes (linux/mount.h). The atime values are an
// enum inside MOUNT_ATTR__ATIME, not independent bits: MOUNT_ATTR_RELATIME is 0.
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_NOSUID = 0x2;
export const MOUNT_ATTR_NODEV = 0x4;
export const MOUNT_ATTR_NOEXEC = 0x8;
export const MOUNT_ATTR__ATIME = 0x70;
export const MOUNT_ATTR_RELATIME = 0x0;
export const MOUNT_ATTR_NOATIME = 0x10;
export const MOUNT_ATTR_STRICTATIME = 0x20;
export const MOUNT_ATTR_NODIRATIME = 0x80;
export const MOUNT_ATTR_IDMAP = 0x100000;
export const MOUNT_ATTR_NOSYMFOLLOW = 0x200000; // since 5.14
/** sizeof(struct mount_attr), first published version. */
export const MOUNT_ATTR_SIZE_VER0 = 32;

// *at(2) flags (linux/fcntl.h)
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
export const AT_RECURSIVE = 0x8000;

// ---------------------------------------------------------------------------
// open(2) flags (asm-generic/fcntl.h). arm64 (and ppc) swap the O_DIRECTORY/O_NOFOLLOW
// bits with O_DIRECT/O_LARGEFILE (arch/arm64/include/uapi/asm/fcntl.h).
const ARM_STYLE_OPEN_FLAGS = ARCH === 'arm64' || ARCH === 'arm' || ARCH === 'ppc64' || ARCH === 'ppc';
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = ARM_STYLE_OPEN_FLAGS ? 0o40000 : 0o200000;
export const O_NOFOLLOW = ARM_STYLE_OPEN_FLAGS ? 0o100000 : 0o400000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;

// fcntl(2) commands and fd flags
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_DUPFD_CLOEXEC = 1030; // F_LINUX_SPECIFIC_BASE (1024) + 6
export const FD_CLOEXEC = 1;

// open_tree(2) / move_mount(2) / fsopen(2) / fsmount(2) / fsconfig(2) (linux/mount.h)
export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = O_CLOEXEC;
export const MOVE_MOUNT_F_SYMLINKS = 0x1;
export const MOVE_MOUNT_F_AUTOMOUNTS = 0x2;
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
export const MOVE_MOUNT_T_SYMLINKS = 0x10;
export const MOVE_MOUNT_T_AUTOMOUNTS = 0x20;
export const MOVE_MOUNT_T_EMPTY_PATH = 0x40;
export const MOVE_MOUNT_SET_GROUP = 0x100;
export const FSOPEN_CLOEXEC = 0x1;
export const FSMOUNT_CLOEXEC = 0x1;
export const FSCONFIG_SET_FLAG = 0;
export const FSCONFIG_SET_STRING = 1;
export const FSCONFIG_SET_BINARY = 2;
export const FSCONFIG_SET_PATH = 3;
export const FSCONFIG_SET_PATH_EMPTY = 4;
export const FSCONFIG_SET_FD = 5;
export const FSCONFIG_CMD_CREATE = 6;
export const FSCONFIG_CMD_RECONFIGURE = 7;
export const FSCONFIG_CMD_CREATE_EXCL = 8; // since 6.6

// openat2(2) struct open_how.resolve (linux/openat2.h)
export const RESOLVE_NO_XDEV = 0x1;
export const RESOLVE_NO_MAGICLINKS = 0x2;
export const RESOLVE_NO_SYMLINKS = 0x4;
export const RESOLVE_BENEATH = 0x8;
export const RESOLVE_IN_ROOT = 0x10;
export const RESOLVE_CACHED = 0x20;

// stat(2) file type bits (linux/stat.h)
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o60000;
export const S_IFDIR = 0o40000;
export const S_IFCHR = 0o20000;
export const S_IFIFO = 0o10000;

// ---------------------------------------------------------------------------
// clone/unshare/setns flags (linux/sched.h)
export const CLONE_NEWTIME = 0x80; // since 5.6; only valid for unshare/clone3

// linux/nsfs.h: _IO(0xb7, 0x3), the CLONE_NEW* type of a namespace file (since 4.11)
export const NS_GET_NSTYPE = 0xb703;
export const CLONE_VM = 0x100;
export const CLONE_FS = 0x200;
export const CLONE_FILES = 0x400;
export const CLONE_SIGHAND = 0x800;
export const CLONE_PIDFD = 0x1000;
export const CLONE_VFORK = 0x4000;
export const CLONE_PARENT = 0x8000;
export const CLONE_THREAD = 0x10000;
export const CLONE_NEWNS = 0x20000;
export const CLONE_SYSVSEM = 0x40000;
export const CLONE_NEWCGROUP = 0x2000000;
export const CLONE_NEWUTS = 0x4000000;
export const CLONE_NEWIPC = 0x8000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
/** 64-bit clone3() flags: BigInt because they do not fit JS 32-bit bitwise operators. */
export const CLONE_CLEAR_SIGHAND = 0x100000000n;
export const CLONE_INTO_CGROUP = 0x200000000n;
/** sizeof(struct clone_args) per published version. */
export const CLONE_ARGS_SIZE_VER0 = 64;
export const CLONE_ARGS_SIZE_VER1 = 80;
export const CLONE_ARGS_SIZE_VER2 = 88;

// close_range(2) flags (linux/close_range.h)
export const CLOSE_RANGE_UNSHARE = 1 << 1;
export const CLOSE_RANGE_CLOEXEC = 1 << 2;

// waitpid(2)/waitid(2) (linux/wait.h)
export const WNOHANG = 0x1;
export const WUNTRACED = 0x2;
export const WEXITED = 0x4;
export const WCONTINUED = 0x8;
export const WNOWAIT = 0x1000000;
export const P_ALL = 0;
export const P_PID = 1;
export const P_PGID = 2;
export const P_PIDFD = 3;

// ---------------------------------------------------------------------------
// prctl(2) options (linux/prctl.h)
export const PR_SET_PDEATHSIG = 1;
export const PR_GET_DUMPABLE = 3;
export const PR_SET_DUMPABLE = 4;
export const PR_GET_KEEPCAPS = 7;
export const PR_SET_KEEPCAPS = 8;
export const PR_SET_NAME = 15;
export const PR_GET_NAME = 16;
export const PR_GET_SECCOMP = 21;
export const PR_SET_SECCOMP = 22;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_GET_SECUREBITS = 27;
export const PR_SET_SECUREBITS = 28;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_IS_SET = 1;
export const PR_CAP_AMBIENT_RAISE = 2;
export const PR_CAP_AMBIENT_LOWER = 3;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

// securebits for PR_SET_SECUREBITS (linux/securebits.h)
export const SECBIT_NOROOT = 1 << 0;
export const SECBIT_NOROOT_LOCKED = 1 << 1;
export const SECBIT_NO_SETUID_FIXUP = 1 << 2;
export const SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3;
export const SECBIT_KEEP_CAPS = 1 << 4;
export const SECBIT_KEEP_CAPS_LOCKED = 1 << 5;
export const SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
export const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED = 1 << 7;

// capget(2)/capset(2) header version (linux/capability.h); v3 uses two 32-bit data words.
export const _LINUX_CAPABILITY_VERSION_3 = 0x20080522;
export const _LINUX_CAPABILITY_U32S_3 = 2;

// ---------------------------------------------------------------------------
// AF_UNIX sockets and SCM_RIGHTS (bits/socket.h, asm-generic/socket.h)
export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = O_NONBLOCK;
export const SOCK_CLOEXEC = O_CLOEXEC;
export const SOL_SOCKET = 1;
export const SCM_RIGHTS = 1;

// An interface's flags through an AF_INET datagram socket (linux/sockios.h, linux/if.h):
// struct ifreq is the name (IFNAMSIZ bytes) then a union whose first member is the short flags.
export const AF_INET = 2;
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const IFF_UP = 1;
export const IFNAMSIZ = 16;
export const SIZEOF_IFREQ = 40;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const MSG_PEEK = 0x2;
export const MSG_CTRUNC = 0x8;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

// terminal ioctls (asm-generic/ioctls.h; same on x86_64 and arm64)
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
export const TIOCSCTTY = 0x540e;
export const TIOCNOTTY = 0x5422;
export const TIOCGPTN = 0x80045430; // _IOR('T', 0x30, unsigned int); unsigned 32-bit
export const TIOCSPTLCK = 0x40045431; // _IOW('T', 0x31, int)
export const TIOCGPTPEER = 0x5441; // _IO('T', 0x41), since 4.13

// ---------------------------------------------------------------------------
// ioprio_set(2) (linux/ioprio.h): value = class << IOPRIO_CLASS_SHIFT | level
export const IOPRIO_CLASS_SHIFT = 13;
export const IOPRIO_PRIO_MASK = (1 << IOPRIO_CLASS_SHIFT) - 1;
export const IOPRIO_NR_LEVELS = 8;
export const IOPRIO_CLASS_NONE = 0;
export const IOPRIO_CLASS_RT = 1;
export const IOPRIO_CLASS_BE = 2;
export const IOPRIO_CLASS_IDLE = 3;
export const IOPRIO_WHO_PROCESS = 1;
export const IOPRIO_WHO_PGRP = 2;
export const IOPRIO_WHO_USER = 3;

// sched_setattr(2) policies and flags (linux/sched.h)
export const SCHED_OTHER = 0;
export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_BATCH = 3;
/** Reserved for SCHED_ISO, which was never merged: the kernel rejects it (EINVAL). */
export const SCHED_ISO = 4;
export const SCHED_IDLE = 5;
export const SCHED_DEADLINE = 6;
export const SCHED_RESET_ON_FORK = 0x40000000;
export const SCHED_FLAG_RESET_ON_FORK = 0x1;
export const SCHED_FLAG_RECLAIM = 0x2;
export const SCHED_FLAG_DL_OVERRUN = 0x4;
export const SCHED_FLAG_KEEP_POLICY = 0x8;
export const SCHED_FLAG_KEEP_PARAMS = 0x10;
export const SCHED_FLAG_UTIL_CLAMP_MIN = 0x20;
export const SCHED_FLAG_UTIL_CLAMP_MAX = 0x40;
/** sizeof(struct sched_attr), first published version. */
export const SCHED_ATTR_SIZE_VER0 = 48;

// setrlimit/prlimit resources (asm-generic/resource.h; same on x86_64 and arm64)
export const RLIMIT_CPU = 0;
export const RLIMIT_FSIZE = 1;
export const RLIMIT_DATA = 2;
export const RLIMIT_STACK = 3;
export const RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
export const RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11;
export const RLIMIT_MSGQUEUE = 12;
export const RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14;
export const RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;
/** rlim_t is 64-bit unsigned: all ones means unlimited. */
export const RLIM_INFINITY = 0xffffffffffffffffn;

// personality(2) (linux/personality.h)
export const PER_LINUX = 0x0;
export const PER_LINUX32 = 0x8;
export const PER_MASK = 0xff;
export const UNAME26 = 0x20000;
export const ADDR_NO_RANDOMIZE = 0x40000;
export const FDPIC_FUNCPTRS = 0x80000;
export const MMAP_PAGE_ZERO = 0x100000;
export const ADDR_COMPAT_LAYOUT = 0x200000;
export const READ_IMPLIES_EXEC = 0x400000;
export const ADDR_LIMIT_32BIT = 0x800000;
export const SHORT_INODE = 0x1000000;
export const WHOLE_SECONDS = 0x2000000;
export const STICKY_TIMEOUTS = 0x4000000;
export const ADDR_LIMIT_3GB = 0x8000000;

// ---------------------------------------------------------------------------
// seccomp(2) basics (linux/seccomp.h, linux/audit.h)
export const SECCOMP_MODE_DISABLED = 0;
export const SECCOMP_MODE_STRICT = 1;
export const SECCOMP_MODE_FILTER = 2;
export const SECCOMP_SET_MODE_STRICT = 0;
export const SECCOMP_SET_MODE_FILTER = 1;
export const SECCOMP_GET_ACTION_AVAIL = 2;
export const SECCOMP_GET_NOTIF_SIZES = 3;
export const SECCOMP_FILTER_FLAG_TSYNC = 1 << 0;
export const SECCOMP_FILTER_FLAG_LOG = 1 << 1;
export const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2;
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 1 << 4;
export const SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5;
// Filter return actions: unsigned 32-bit values (KILL_PROCESS has bit 31 set).
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x0;
export const SECCOMP_RET_TRAP = 0x30000;
export const SECCOMP_RET_ERRNO = 0x50000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_TRACE = 0x7ff00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0xffff;
export const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1 << 0;
export const SECCOMP_ADDFD_FLAG_SETFD = 1 << 0;
export const SECCOMP_ADDFD_FLAG_SEND = 1 << 1;
// Notify ioctls: _IOWR('!', n, struct ...), unsigned 32-bit.
export const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100;
export const SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
export const SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
export const SECCOMP_IOCTL_NOTIF_ADDFD = 0x40182103;
// seccomp_data.arch values, unsigned 32-bit.
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;

// ---------------------------------------------------------------------------
// bpf(2) (linux/bpf.h): the commands, program/attach types and flags the cgroup v2 device
// filter needs, and the access/type bits of struct bpf_cgroup_dev_ctx.
export const BPF_PROG_LOAD = 5;
export const BPF_PROG_ATTACH = 8;
export const BPF_PROG_DETACH = 9;
export const BPF_PROG_GET_FD_BY_ID = 13;
export const BPF_PROG_QUERY = 16;
export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_OVERRIDE = 1 << 0;
export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
/** Size of bpf_attr.prog_name, NUL included. */
export const BPF_OBJ_NAME_LEN = 16;
export const BPF_DEVCG_ACC_MKNOD = 1 << 0;
export const BPF_DEVCG_ACC_READ = 1 << 1;
export const BPF_DEVCG_ACC_WRITE = 1 << 2;
export const BPF_DEVCG_DEV_BLOCK = 1 << 0;
export const BPF_DEVCG_DEV_CHAR = 1 << 1;
// eBPF opcode parts (linux/bpf_common.h, linux/bpf.h): class | size/op | source.
export const BPF_LDX = 0x01;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_W = 0x00;
export const BPF_MEM = 0x60;
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_AND = 0x50;
export const BPF_RSH = 0x70;
export const BPF_MOV = 0xb0;
export const BPF_JEQ = 0x10;
export const BPF_JNE = 0x50;
export const BPF_EXIT = 0x90;

// ---------------------------------------------------------------------------
// Syscall numbers for the calls glibc does not wrap (or wraps too late), per arch.

/** Names of the syscalls the runtime invokes through syscall(2). */
export type SyscallName =
  | 'mount' | 'umount2' | 'pivot_root' | 'setns' | 'unshare'
  | 'mount_setattr' | 'open_tree' | 'move_mount' | 'fsopen' | 'fsconfig' | 'fsmount' | 'fspick'
  | 'openat2' | 'close_range' | 'pidfd_open' | 'pidfd_send_signal' | 'pidfd_getfd'
  | 'ioprio_set' | 'ioprio_get' | 'sched_setattr' | 'sched_getattr'
  | 'setresuid' | 'setresgid' | 'setgroups' | 'capset' | 'capget' | 'personality' | 'prctl'
  | 'clone3' | 'keyctl' | 'memfd_create' | 'execveat' | 'seccomp' | 'gettid' | 'tgkill' | 'bpf' | 'rt_sigaction';

export type SyscallTable = Readonly<Record<SyscallName, number>>;

/** x86_64 (asm/unistd_64.h). */
export const SYSCALLS_X64: SyscallTable = Object.freeze({
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  setns: 308,
  unshare: 272,
  mount_setattr: 442,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  openat2: 437,
  close_range: 436,
  pidfd_open: 434,
  pidfd_send_signal: 424,
  pidfd_getfd: 438,
  ioprio_set: 251,
  ioprio_get: 252,
  sched_setattr: 314,
  sched_getattr: 315,
  setresuid: 117,
  setresgid: 119,
  setgroups: 116,
  capset: 126,
  capget: 125,
  personality: 135,
  prctl: 157,
  clone3: 435,
  keyctl: 250,
  memfd_create: 319,
  execveat: 322,
  seccomp: 317,
  gettid: 186,
  tgkill: 234,
  bpf: 321,
  rt_sigaction: 13,
});

/** arm64 (asm-generic/unistd.h). Syscalls added since 5.x share numbers across arches. */
export const SYSCALLS_ARM64: SyscallTable = Object.freeze({
  mount: 40,
  umount2: 39,
  pivot_root: 41,
  setns: 268,
  unshare: 97,
  mount_setattr: 442,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  openat2: 437,
  close_range: 436,
  pidfd_open: 434,
  pidfd_send_signal: 424,
  pidfd_getfd: 438,
  ioprio_set: 30,
  ioprio_get: 31,
  sched_setattr: 274,
  sched_getattr: 275,
  setresuid: 147,
  setresgid: 149,
  setgroups: 159,
  capset: 91,
  capget: 90,
  personality: 92,
  prctl: 167,
  clone3: 435,
  keyctl: 219,
  memfd_create: 279,
  execveat: 281,
  seccomp: 277,
  gettid: 178,
  tgkill: 131,
  bpf: 280,
  rt_sigaction: 134,
});

/** The syscall table for a Node `process.arch` value; throws for architectures we have no numbers for. */
export function syscallTableFor(arch: string): SyscallTable {
  if (arch === 'x64') return SYSCALLS_X64;
  if (arch === 'arm64') return SYSCALLS_ARM64;
  throw new Error(`syscall numbers for architecture "${arch}" are not defined`);
}

/**
 * Syscall numbers for the running architecture. On an unsupported architecture the
 * module still loads (the pure tables do not need syscalls); only reading a number throws.
 */
export const SYS: SyscallTable =
  ARCH === 'x64' || ARCH === 'arm64'
    ? syscallTableFor(ARCH)
    : new Proxy({} as SyscallTable, {
        get(_target, prop) {
          if (typeof prop === 'symbol') return undefined;
          return syscallTableFor(ARCH);
        },
      });
