import t from 'tap';
import { constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import * as C from './constants.js';

/**
 * Reads `#define NAME value` and `NAME = value,` (enum) entries from a C header, for the
 * simple value forms used by the uapi headers: integer literals (C octal/hex/decimal, with
 * U/L suffixes), `(1 << n)`, `(1UL << n)` (n a literal or a name already read) and
 * references to names already read.
 */
function readHeaderValues(file: string): Map<string, bigint> {
  const values = new Map<string, bigint>();
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const evalExpr = (expr: string): bigint | undefined => {
    const e = expr.trim().replace(/^\((.*)\)$/, '$1').trim();
    const lit = /^(-?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)(?:u|ul|ull|l|ll)?$/i.exec(e);
    if (lit) {
      const [, sign, digits] = lit as unknown as [string, string, string];
      const v = /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
      return sign === '-' ? -v : v;
    }
    const shift = /^(1|1u|1ul|1ull)\s*<<\s*(\w+)$/i.exec(e);
    if (shift) {
      const n = evalExpr(shift[2] as string);
      return n === undefined ? undefined : 1n << n;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(e)) return values.get(e);
    return undefined;
  };
  let nextEnumValue = 0n; // enum members without "= value" count up from the previous one
  for (const line of text.split('\n')) {
    if (/\benum\b/.test(line)) nextEnumValue = 0n;
    const def = /^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)\s*$/.exec(line);
    const enm = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^,]+?)\s*,?\s*$/.exec(line);
    const bare = /^\s*([A-Z_][A-Z0-9_]*)\s*,\s*$/.exec(line);
    if (bare) {
      values.set(bare[1] as string, nextEnumValue++);
      continue;
    }
    const m = def ?? enm;
    if (!m) continue;
    const v = evalExpr(m[2] as string);
    if (v === undefined) continue;
    values.set(m[1] as string, v);
    if (enm && !def) nextEnumValue = v + 1n;
  }
  return values;
}

const INCLUDE = '/usr/include';
/** Header → constant names (exported from constants.ts) that the header defines. */
const HEADER_CHECKS: Array<[string, string[]]> = [
  ['linux/mount.h', [
    'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC', 'MS_SYNCHRONOUS', 'MS_REMOUNT', 'MS_MANDLOCK', 'MS_DIRSYNC',
    'MS_NOSYMFOLLOW', 'MS_NOATIME', 'MS_NODIRATIME', 'MS_BIND', 'MS_MOVE', 'MS_REC', 'MS_SILENT', 'MS_POSIXACL',
    'MS_UNBINDABLE', 'MS_PRIVATE', 'MS_SLAVE', 'MS_SHARED', 'MS_RELATIME', 'MS_KERNMOUNT', 'MS_I_VERSION',
    'MS_STRICTATIME', 'MS_LAZYTIME', 'OPEN_TREE_CLONE', 'MOVE_MOUNT_F_SYMLINKS', 'MOVE_MOUNT_F_AUTOMOUNTS',
    'MOVE_MOUNT_F_EMPTY_PATH', 'MOVE_MOUNT_T_SYMLINKS', 'MOVE_MOUNT_T_AUTOMOUNTS', 'MOVE_MOUNT_T_EMPTY_PATH',
    'MOVE_MOUNT_SET_GROUP', 'FSOPEN_CLOEXEC', 'FSMOUNT_CLOEXEC', 'FSCONFIG_SET_FLAG', 'FSCONFIG_SET_STRING',
    'FSCONFIG_SET_BINARY', 'FSCONFIG_SET_PATH', 'FSCONFIG_SET_PATH_EMPTY', 'FSCONFIG_SET_FD', 'FSCONFIG_CMD_CREATE',
    'FSCONFIG_CMD_RECONFIGURE', 'MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV', 'MOUNT_ATTR_NOEXEC',
    'MOUNT_ATTR__ATIME', 'MOUNT_ATTR_RELATIME', 'MOUNT_ATTR_NOATIME', 'MOUNT_ATTR_STRICTATIME',
    'MOUNT_ATTR_NODIRATIME', 'MOUNT_ATTR_IDMAP', 'MOUNT_ATTR_NOSYMFOLLOW', 'MOUNT_ATTR_SIZE_VER0',
  ]],
  ['linux/fcntl.h', ['AT_FDCWD', 'AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_NO_AUTOMOUNT', 'AT_EMPTY_PATH', 'AT_RECURSIVE']],
  // O_DIRECTORY/O_NOFOLLOW are arch-specific: they are compared with Node's fs.constants below.
  ['asm-generic/fcntl.h', ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND',
    'O_NONBLOCK', 'O_CLOEXEC', 'O_PATH', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'FD_CLOEXEC']],
  ['linux/openat2.h', ['RESOLVE_NO_XDEV', 'RESOLVE_NO_MAGICLINKS', 'RESOLVE_NO_SYMLINKS', 'RESOLVE_BENEATH',
    'RESOLVE_IN_ROOT', 'RESOLVE_CACHED']],
  ['linux/bpf.h', ['BPF_PROG_LOAD', 'BPF_PROG_ATTACH', 'BPF_PROG_DETACH', 'BPF_PROG_GET_FD_BY_ID', 'BPF_PROG_QUERY',
    'BPF_PROG_TYPE_CGROUP_DEVICE', 'BPF_CGROUP_DEVICE', 'BPF_F_ALLOW_OVERRIDE', 'BPF_F_ALLOW_MULTI', 'BPF_F_REPLACE',
    'BPF_OBJ_NAME_LEN', 'BPF_DEVCG_ACC_MKNOD', 'BPF_DEVCG_ACC_READ', 'BPF_DEVCG_ACC_WRITE', 'BPF_DEVCG_DEV_BLOCK',
    'BPF_DEVCG_DEV_CHAR', 'BPF_MOV', 'BPF_JNE', 'BPF_EXIT']],
  ['linux/bpf_common.h', ['BPF_LDX', 'BPF_ALU', 'BPF_JMP', 'BPF_W', 'BPF_MEM', 'BPF_K', 'BPF_X', 'BPF_AND', 'BPF_RSH',
    'BPF_JEQ']],
  ['linux/close_range.h', ['CLOSE_RANGE_UNSHARE', 'CLOSE_RANGE_CLOEXEC']],
  ['linux/stat.h', ['S_IFMT', 'S_IFSOCK', 'S_IFLNK', 'S_IFREG', 'S_IFBLK', 'S_IFDIR', 'S_IFCHR', 'S_IFIFO']],
  ['linux/sched.h', ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_PIDFD',
    'CLONE_VFORK', 'CLONE_PARENT', 'CLONE_THREAD', 'CLONE_NEWNS', 'CLONE_SYSVSEM', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS',
    'CLONE_NEWIPC', 'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET', 'CLONE_CLEAR_SIGHAND', 'CLONE_INTO_CGROUP',
    'CLONE_ARGS_SIZE_VER0', 'CLONE_ARGS_SIZE_VER1', 'CLONE_ARGS_SIZE_VER2', 'SCHED_NORMAL', 'SCHED_FIFO', 'SCHED_RR',
    'SCHED_BATCH', 'SCHED_IDLE', 'SCHED_DEADLINE', 'SCHED_RESET_ON_FORK', 'SCHED_FLAG_RESET_ON_FORK',
    'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_KEEP_PARAMS',
    'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX']],
  ['linux/wait.h', ['WNOHANG', 'WUNTRACED', 'WEXITED', 'WCONTINUED', 'WNOWAIT', 'P_ALL', 'P_PID', 'P_PGID', 'P_PIDFD']],
  ['linux/prctl.h', ['PR_SET_PDEATHSIG', 'PR_GET_DUMPABLE', 'PR_SET_DUMPABLE', 'PR_GET_KEEPCAPS', 'PR_SET_KEEPCAPS',
    'PR_SET_NAME', 'PR_GET_NAME', 'PR_GET_SECCOMP', 'PR_SET_SECCOMP', 'PR_CAPBSET_READ', 'PR_CAPBSET_DROP',
    'PR_GET_SECUREBITS', 'PR_SET_SECUREBITS', 'PR_SET_CHILD_SUBREAPER', 'PR_GET_CHILD_SUBREAPER', 'PR_SET_NO_NEW_PRIVS',
    'PR_GET_NO_NEW_PRIVS', 'PR_CAP_AMBIENT', 'PR_CAP_AMBIENT_IS_SET', 'PR_CAP_AMBIENT_RAISE', 'PR_CAP_AMBIENT_LOWER',
    'PR_CAP_AMBIENT_CLEAR_ALL']],
  ['linux/capability.h', ['_LINUX_CAPABILITY_VERSION_3', '_LINUX_CAPABILITY_U32S_3']],
  ['asm-generic/ioctls.h', ['TIOCGWINSZ', 'TIOCSWINSZ', 'TIOCSCTTY', 'TIOCNOTTY']],
  ['linux/sockios.h', ['SIOCGIFFLAGS', 'SIOCSIFFLAGS']],
  ['linux/if.h', ['IFF_UP', 'IFNAMSIZ']],
  ['linux/ioprio.h', ['IOPRIO_CLASS_SHIFT', 'IOPRIO_NR_LEVELS', 'IOPRIO_CLASS_NONE', 'IOPRIO_CLASS_RT',
    'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE', 'IOPRIO_WHO_PROCESS', 'IOPRIO_WHO_PGRP', 'IOPRIO_WHO_USER']],
  ['asm-generic/resource.h', ['RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS',
    'RLIMIT_NPROC', 'RLIMIT_NOFILE', 'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING',
    'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME', 'RLIM_NLIMITS']],
  ['linux/personality.h', ['PER_LINUX', 'PER_LINUX32', 'PER_MASK', 'UNAME26', 'ADDR_NO_RANDOMIZE', 'FDPIC_FUNCPTRS',
    'MMAP_PAGE_ZERO', 'ADDR_COMPAT_LAYOUT', 'READ_IMPLIES_EXEC', 'ADDR_LIMIT_32BIT', 'SHORT_INODE', 'WHOLE_SECONDS',
    'STICKY_TIMEOUTS', 'ADDR_LIMIT_3GB']],
  ['linux/seccomp.h', ['SECCOMP_MODE_DISABLED', 'SECCOMP_MODE_STRICT', 'SECCOMP_MODE_FILTER', 'SECCOMP_SET_MODE_STRICT',
    'SECCOMP_SET_MODE_FILTER', 'SECCOMP_GET_ACTION_AVAIL', 'SECCOMP_GET_NOTIF_SIZES', 'SECCOMP_FILTER_FLAG_TSYNC',
    'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_NEW_LISTENER',
    'SECCOMP_FILTER_FLAG_TSYNC_ESRCH', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'SECCOMP_RET_KILL_PROCESS',
    'SECCOMP_RET_KILL_THREAD', 'SECCOMP_RET_TRAP', 'SECCOMP_RET_ERRNO', 'SECCOMP_RET_USER_NOTIF', 'SECCOMP_RET_TRACE',
    'SECCOMP_RET_LOG', 'SECCOMP_RET_ALLOW', 'SECCOMP_RET_ACTION_FULL', 'SECCOMP_RET_DATA',
    'SECCOMP_USER_NOTIF_FLAG_CONTINUE', 'SECCOMP_ADDFD_FLAG_SETFD', 'SECCOMP_ADDFD_FLAG_SEND']],
];

const exported = C as unknown as Record<string, number | bigint>;
const asBig = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

// The uapi headers ship with linux-libc-dev (installed by .ci/run); without them the comparison fails.

t.test('values match the installed kernel uapi headers', async (t) => {
  for (const [header, names] of HEADER_CHECKS) {
    const path = `${INCLUDE}/${header}`;
    t.ok(existsSync(path), `${header} exists`);
    const values = readHeaderValues(path);
    for (const name of names) {
      const ours = exported[name];
      t.not(ours, undefined, `${name} is exported`);
      t.equal(values.get(name), asBig(ours as number | bigint), `${name} (${header})`);
    }
  }
});

// Debian installs the x86_64 table only on x86_64 hosts (multiarch include dir).
const X64_UNISTD = `${INCLUDE}/x86_64-linux-gnu/asm/unistd_64.h`;
t.test('x86_64 syscall numbers match asm/unistd_64.h', async (t) => {
  const values = readHeaderValues(X64_UNISTD);
  for (const [name, nr] of Object.entries(C.SYSCALLS_X64)) {
    t.equal(values.get(`__NR_${name}`), BigInt(nr), `__NR_${name}`);
  }
});

t.test('arm64 syscall numbers match asm-generic/unistd.h', async (t) => {
  const values = readHeaderValues(`${INCLUDE}/asm-generic/unistd.h`);
  for (const [name, nr] of Object.entries(C.SYSCALLS_ARM64)) {
    // Calls with 32/64-bit variants are spelled __NR3264_* in the generic table.
    const v = values.get(`__NR_${name}`) ?? values.get(`__NR3264_${name}`);
    t.equal(v, BigInt(nr), `__NR_${name}`);
  }
});

t.test('open flags and file types match what Node was built with for this platform', async (t) => {
  const node = fsConstants as unknown as Record<string, number>;
  for (const name of ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND',
    'O_NONBLOCK', 'O_DIRECTORY', 'O_NOFOLLOW', 'S_IFMT', 'S_IFREG', 'S_IFDIR', 'S_IFCHR', 'S_IFBLK', 'S_IFIFO',
    'S_IFLNK', 'S_IFSOCK']) {
    t.equal(exported[name], node[name], name);
  }
});

t.test('hand-derived values', async (t) => {
  // secure bits are issecure_mask(SECURE_x) = 1 << SECURE_x with SECURE_NOROOT = 0 ... _LOCKED = 7
  t.equal(C.SECBIT_NOROOT, 1);
  t.equal(C.SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 1 << 7);
  // _IOR('T', 0x30, unsigned int) = dir(2)<<30 | size(4)<<16 | 'T'<<8 | 0x30
  const ioc = (dir: number, type: number, nr: number, size: number): number =>
    ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
  t.equal(C.TIOCGPTN, ioc(2, 0x54, 0x30, 4));
  t.equal(C.TIOCSPTLCK, ioc(1, 0x54, 0x31, 4));
  t.equal(C.TIOCGPTPEER, ioc(0, 0x54, 0x41, 0));
  // linux/nsfs.h: NS_GET_NSTYPE is _IO(NSIO = 0xb7, 0x3)
  t.equal(C.NS_GET_NSTYPE, ioc(0, 0xb7, 0x3, 0));
  // seccomp notify ioctls: struct seccomp_notif is 80 bytes, seccomp_notif_resp 24, addfd 24
  t.equal(C.SECCOMP_IOCTL_NOTIF_RECV, ioc(3, 0x21, 0, 80));
  t.equal(C.SECCOMP_IOCTL_NOTIF_SEND, ioc(3, 0x21, 1, 24));
  t.equal(C.SECCOMP_IOCTL_NOTIF_ID_VALID, ioc(1, 0x21, 2, 8));
  t.equal(C.SECCOMP_IOCTL_NOTIF_ADDFD, ioc(1, 0x21, 3, 24));
  t.equal(C.OPEN_TREE_CLOEXEC, C.O_CLOEXEC);
  t.equal(C.SOCK_CLOEXEC, C.O_CLOEXEC);
  t.equal(C.MS_RMT_MASK, C.MS_RDONLY | C.MS_SYNCHRONOUS | C.MS_MANDLOCK | C.MS_I_VERSION | C.MS_LAZYTIME);
  t.equal(C.IOPRIO_PRIO_MASK, 0x1fff);
  t.equal(C.RLIM_INFINITY, (1n << 64n) - 1n);
});

t.test('flag groups have no overlapping bits and stay in signed 32-bit range', async (t) => {
  const groups: Record<string, string[]> = {
    MS: ['MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC', 'MS_SYNCHRONOUS', 'MS_REMOUNT', 'MS_MANDLOCK', 'MS_DIRSYNC',
      'MS_NOSYMFOLLOW', 'MS_NOATIME', 'MS_NODIRATIME', 'MS_BIND', 'MS_MOVE', 'MS_REC', 'MS_SILENT', 'MS_POSIXACL',
      'MS_UNBINDABLE', 'MS_PRIVATE', 'MS_SLAVE', 'MS_SHARED', 'MS_RELATIME', 'MS_KERNMOUNT', 'MS_I_VERSION',
      'MS_STRICTATIME', 'MS_LAZYTIME'],
    CLONE: ['CLONE_NEWTIME', 'CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_PIDFD', 'CLONE_VFORK',
      'CLONE_PARENT', 'CLONE_THREAD', 'CLONE_NEWNS', 'CLONE_SYSVSEM', 'CLONE_NEWCGROUP', 'CLONE_NEWUTS', 'CLONE_NEWIPC',
      'CLONE_NEWUSER', 'CLONE_NEWPID', 'CLONE_NEWNET'],
    O: ['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK', 'O_DIRECTORY',
      'O_NOFOLLOW', 'O_CLOEXEC', 'O_PATH'],
    MOUNT_ATTR: ['MOUNT_ATTR_RDONLY', 'MOUNT_ATTR_NOSUID', 'MOUNT_ATTR_NODEV', 'MOUNT_ATTR_NOEXEC', 'MOUNT_ATTR__ATIME',
      'MOUNT_ATTR_NODIRATIME', 'MOUNT_ATTR_IDMAP', 'MOUNT_ATTR_NOSYMFOLLOW'],
  };
  for (const [group, names] of Object.entries(groups)) {
    let seen = 0;
    for (const name of names) {
      const v = exported[name] as number;
      t.type(v, 'number', `${name} is a number`);
      t.ok(v > 0 && v < 2 ** 31, `${name} fits a positive int32`);
      t.equal(seen & v, 0, `${group}: ${name} does not overlap earlier flags`);
      seen |= v;
    }
  }
  // the atime enum values all live inside MOUNT_ATTR__ATIME
  for (const v of [C.MOUNT_ATTR_RELATIME, C.MOUNT_ATTR_NOATIME, C.MOUNT_ATTR_STRICTATIME]) {
    t.equal(v & ~C.MOUNT_ATTR__ATIME, 0);
  }
});

t.test('syscall tables', async (t) => {
  t.equal(C.syscallTableFor('x64'), C.SYSCALLS_X64);
  t.equal(C.syscallTableFor('arm64'), C.SYSCALLS_ARM64);
  t.throws(() => C.syscallTableFor('ppc64'), { message: 'syscall numbers for architecture "ppc64" are not defined' });
  t.same(Object.keys(C.SYSCALLS_X64).sort(), Object.keys(C.SYSCALLS_ARM64).sort(), 'both arches define the same calls');
  for (const [arch, table] of [['x64', C.SYSCALLS_X64], ['arm64', C.SYSCALLS_ARM64]] as const) {
    const numbers = Object.values(table);
    t.equal(new Set(numbers).size, numbers.length, `${arch}: numbers are distinct`);
    t.ok(Object.isFrozen(table), `${arch}: table is frozen`);
  }
  // calls added after the syscall tables were unified share one number on every arch
  for (const name of ['open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'pidfd_open', 'clone3', 'close_range',
    'openat2', 'mount_setattr', 'pidfd_send_signal'] as const) {
    t.equal(C.SYSCALLS_X64[name], C.SYSCALLS_ARM64[name], `${name} is arch-independent`);
  }
  if (process.arch === 'x64' || process.arch === 'arm64') {
    t.equal(C.SYS, C.syscallTableFor(process.arch), 'SYS is the table of the running arch');
  }
  t.equal(C.SYSCALLS_X64.pivot_root, 155);
  t.equal(C.SYSCALLS_ARM64.pivot_root, 41);
  t.equal(C.SYSCALLS_X64.bpf, 321);
  t.equal(C.SYSCALLS_ARM64.bpf, 280);
});
