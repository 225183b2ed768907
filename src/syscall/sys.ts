// The syscall seam: every kernel call that changes the state of the container
// process goes through a Sys, so the setup logic can be unit-tested without root
// against FakeSys (test/fakes/fake.ts), and runs for real with linuxSys.
// File reads/writes and directory creation use node:fs directly (tests use temp dirs).

import type { CompiledSeccomp } from '../process/seccomp.js';

export interface CapSets { effective: bigint; permitted: bigint; inheritable: bigint }

export interface Sys {
  // mounts and the root
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  /** mount_setattr(2) on a path: attrSet/attrClr are MOUNT_ATTR_* bits, atFlags AT_* (AT_RECURSIVE). */
  mountSetattr(path: string, atFlags: number, attrSet: number, attrClr: number, propagation: number): void;
  /** open_tree(AT_FDCWD, path, flags): an fd of the mount at `path` (a detached copy with OPEN_TREE_CLONE). */
  openTree(path: string, flags: number): number;
  /** mount_setattr(treeFd, "", AT_EMPTY_PATH | atFlags) with MOUNT_ATTR_IDMAP and the user namespace open at usernsFd; `what` names the mount in errors. */
  setMountIdmap(treeFd: number, usernsFd: number, atFlags: number, what: string): void;
  /** move_mount(fromFd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH): attaches a detached mount at `target`. */
  moveMount(fromFd: number, target: string): void;
  pivotRoot(newRoot: string, putOld: string): void;
  chroot(path: string): void;
  chdir(path: string): void;
  /** The cwd as getcwd(3) reports it (ENOENT when it lies outside our root). */
  getcwd(): string;
  mknod(path: string, mode: number, dev: bigint): void;
  /** statfs(2): the filesystem magic (f_type) and the mount's ST_* flags (f_flags). */
  statfs(path: string): { type: number; flags: number };
  /** lchown(2): changes the owner of `path` itself, never a symlink's target. */
  lchown(path: string, uid: number, gid: number): void;

  // namespaces
  unshare(flags: number): void;
  setns(fd: number, nstype: number, what: string): void;
  sethostname(name: string): void;
  setdomainname(name: string): void;
  /** keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring of that name for the calling thread. */
  joinSessionKeyring(name: string): void;
  /** ioctl(NS_GET_NSTYPE): the CLONE_NEW* type of the namespace file open as `fd` (ENOTTY: not one); `what` names it in errors. */
  namespaceType(fd: number, what: string): number;
  /** Sets the loopback interface of the calling thread's network namespace up (a new one starts with it down). */
  loopbackUp(): void;
  /** Moves the calling process (all its threads) into the cgroup whose open `cgroup.procs` is `fd`; `what` names it in errors. */
  joinCgroup(fd: number, what: string): void;

  // process attributes (calling thread / process)
  prctl(option: number, a2?: number | bigint, a3?: number | bigint, a4?: number, a5?: number, what?: string): number;
  setrlimit(resource: number, soft: bigint, hard: bigint, what: string): void;
  setgroups(gids: number[]): void;
  setresgid(gid: number): void;
  setresuid(uid: number): void;
  capset(sets: CapSets): void;
  capget(): CapSets;
  personality(persona: number): void;
  ioprioSet(ioprio: number): void;
  schedSetattr(attr: { policy: number; flags: bigint; nice: number; priority: number; runtime: bigint; deadline: bigint; period: bigint }): void;
  umask(mask: number): number;
  setsid(): void;
  /** Clears or sets FD_CLOEXEC. */
  setCloexec(fd: number, on: boolean): void;
  /**
   * Every fd from `first` on closes at execve: close_range(first, ~0, CLOSE_RANGE_CLOEXEC),
   * or, where that is refused (an old kernel), FD_CLOEXEC on each fd /proc/self/fd lists.
   */
  cloexecFrom(first: number): void;
  dup3(oldfd: number, newfd: number): void;
  /** fchown(2) on an open fd (the init hands its stdio to the container user). */
  fchown(fd: number, uid: number, gid: number): void;
  /** ioctl(fd, TIOCSCTTY, 0): makes the tty on `fd` the session's controlling terminal. */
  setctty(fd: number): void;
  /** Installs a compiled seccomp filter on the calling thread. */
  loadSeccomp(filter: CompiledSeccomp): void;
  /** Puts the given signals back to their default action (ignored ones stay ignored across execve). */
  resetSignals(signals: readonly number[]): void;
  execve(path: string, argv: string[], env: string[]): never;
}
