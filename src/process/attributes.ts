// The inits' process attributes: what they set on themselves before and after
// building the root filesystem, and the steps before execve that the inits call in
// runc's order (libcontainer/standard_init_linux.go and finalizeNamespace in init_linux.go).
//
// Everything here runs synchronously on the init's main thread: credentials,
// capabilities, the no_new_privs bit and LSM exec labels are per thread, and the
// main thread is the one that calls execve.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { fromNodeError, RuntimeError, SyscallError, withContext } from '../errors.js';
import {
  O_CLOEXEC,
  O_NOFOLLOW,
  O_WRONLY,
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAP_AMBIENT_RAISE,
  PR_CAPBSET_DROP,
  PR_SET_KEEPCAPS,
  PR_SET_NO_NEW_PRIVS,
  RLIM_INFINITY,
} from '../../ffi/constants.js';
import { capName } from '../linux/capabilities.js';
import { apparmorEnabled, selinuxEnabled } from '../linux/lsm.js';
import type { ContainerPlan, ProcessPlan } from '../plan/types.js';
import type { Sys } from '../syscall/sys.js';
import { capabilityMasks, kernelLastCap, unknownCapabilitiesWarning } from './capability-sets.js';
import { goErrnoText } from './go-strings.js';

export { resolveExecutable, ExecLookupError } from './executable.js';
export { containerEnv, dedupEnv } from './env.js';

const CAP_SETPCAP = 8;
const DEFAULT_UMASK = 0o022;

/** Where the init finds procfs and sysfs (after pivot_root: "/proc" and "/sys"). */
export interface KernelPaths {
  proc?: string;
  sysfs?: string;
}

export interface EarlyOptions extends KernelPaths {
  warn?: (message: string) => void;
  /** oom_score_adj was written by the runtime: a non-dumpable process in a user namespace may not open its own. */
  oomScoreAdjSet?: boolean;
}

/** uint64 config numbers arrive as JS numbers; 2^64-1 parses as 2^64, which means unlimited. */
function u64(value: number | bigint | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (!Number.isFinite(value) || value < 0) throw new RuntimeError(`invalid uint64 value ${value}`);
  if (value >= 2 ** 64 - 1) return RLIM_INFINITY;
  return BigInt(Math.trunc(value));
}

/** Writes a procfs/sysfs attribute file without creating it or following a symlink. */
function writeAttribute(path: string, value: string): void {
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  } catch (err) {
    throw fromNodeError(err, 'open', path);
  }
  try {
    writeSync(fd, value);
  } catch (err) {
    throw fromNodeError(err, 'write', path);
  } finally {
    closeSync(fd);
  }
}

/** What the container (not an exec'd process) sets besides the process's own attributes. */
export type ContainerAttributes = Pick<ContainerPlan, 'personality' | 'sysctls'>;

/**
 * The attributes the init sets on itself early, before the root filesystem work:
 * rlimits, oom_score_adj, I/O priority, scheduler, personality and `linux.sysctl`.
 * Sysctls are written under `opts.proc` (default /proc): the init must already be in
 * the container's namespaces with the container's procfs there.
 */
export function applyEarlyAttributes(sys: Sys, proc: ProcessPlan, container: ContainerAttributes | undefined, opts: EarlyOptions = {}): void {
  const procfs = opts.proc ?? '/proc';
  for (const rl of proc.rlimits) sys.setrlimit(rl.resource, u64(rl.soft), u64(rl.hard), rl.type);
  if (proc.oomScoreAdj !== undefined && !opts.oomScoreAdjSet) writeOomScoreAdj('self', proc.oomScoreAdj, procfs);
  if (proc.ioPriority !== undefined) sys.ioprioSet(proc.ioPriority);
  if (proc.scheduler) {
    const s = proc.scheduler;
    const attr = {
      policy: s.policy,
      flags: BigInt(s.flags),
      nice: s.nice,
      priority: s.priority,
      runtime: u64(s.runtime),
      deadline: u64(s.deadline),
      period: u64(s.period),
    };
    wrapIn('error setting scheduler', () => sys.schedSetattr(attr));
  }
  const personality = container?.personality;
  if (personality) {
    if (personality.ignoredFlags.length) {
      opts.warn?.(`personality flags are not supported, ignoring: [${personality.ignoredFlags.join(' ')}]`);
    }
    sys.personality(personality.domain);
  }
  for (const sysctl of container?.sysctls ?? []) {
    wrapIn(`write sysctl key ${sysctl.key}`, () => writeAttribute(`${procfs}/sys/${sysctl.path}`, sysctl.value));
  }
}

/** Writes a process's oom_score_adj (the init's own, or the runtime for an init it started). */
export function writeOomScoreAdj(pid: number | 'self', value: number, procfs = '/proc'): void {
  wrapIn('set oom_score_adj', () => writeAttribute(`${procfs}/${pid}/oom_score_adj`, String(value)));
}

function wrapIn<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withContext(context, err);
  }
}

// --- LSM labels ----------------------------------------------------------------

/** Asks AppArmor to switch to `profile` at the next execve (aa_change_onexec). */
function applyApparmorProfile(profile: string, proc: string): void {
  const stacked = `${proc}/thread-self/attr/apparmor/exec`;
  const target = existsSync(stacked) ? stacked : `${proc}/thread-self/attr/exec`;
  wrapIn(`apply apparmor profile ${profile}`, () => writeAttribute(target, `exec ${profile}`));
}

/**
 * The exec labels the LSMs apply at execve: AppArmor's profile (aa_change_onexec) and
 * SELinux's exec context, each only when its module is on. Before no_new_privs, which
 * would restrict an AppArmor profile change to a stacked one.
 */
export function applyExecLabels(proc: ProcessPlan, paths: KernelPaths = {}): void {
  const procfs = paths.proc ?? '/proc';
  const sysfs = paths.sysfs ?? '/sys';
  if (proc.apparmorProfile && apparmorEnabled(sysfs)) applyApparmorProfile(proc.apparmorProfile, procfs);
  if (proc.selinuxLabel && selinuxEnabled(sysfs)) {
    const label = proc.selinuxLabel;
    wrapIn(`set selinux exec label ${label}`, () => writeAttribute(`${procfs}/thread-self/attr/exec`, label));
  }
}

// --- user, stdio ---------------------------------------------------------------

/**
 * Gives the program's stdio to the container user (runc's fixStdioPermissions):
 * only the owner changes; fds that are /dev/null or already owned are left, and
 * EINVAL/EPERM/EROFS (unmapped owner, read-only /dev) are ignored.
 */
export function fixStdioPermissions(sys: Sys, uid: number, fds: readonly number[] = [0, 1, 2], devNull = '/dev/null'): void {
  let nullRdev: number;
  try {
    nullRdev = statSync(devNull).rdev;
  } catch (err) {
    throw fromNodeError(err, 'stat', devNull);
  }
  for (const fd of fds) {
    let st;
    try {
      st = fstatSync(fd);
    } catch (err) {
      throw fromNodeError(err, 'fstat', `fd ${fd}`);
    }
    if (st.uid === uid || st.rdev === nullRdev) continue;
    try {
      sys.fchown(fd, uid, st.gid);
    } catch (err) {
      if (err instanceof SyscallError && ['EINVAL', 'EPERM', 'EROFS'].includes(err.code)) continue;
      throw err;
    }
  }
}

/** setgroups is refused in a user namespace whose /proc/self/setgroups says "deny". */
function setgroupsAllowed(proc: string): boolean {
  try {
    return readFileSync(`${proc}/self/setgroups`, 'utf8').trim() !== 'deny';
  } catch {
    return true;
  }
}

function isPermissionError(err: unknown): boolean {
  return err instanceof SyscallError && (err.code === 'EACCES' || err.code === 'EPERM');
}

function chdirError(cwd: string, err: unknown): Error {
  const detail = err instanceof SyscallError ? goErrnoText(err.code) : String(err);
  return new RuntimeError(`chdir to cwd (${JSON.stringify(cwd)}) set in config.json failed: ${detail}`, { cause: err });
}

// --- the final steps --------------------------------------------------------------

/** PR_SET_NO_NEW_PRIVS: execve grants nothing from now on (setuid bits, file capabilities). */
export function setNoNewPrivileges(sys: Sys): void {
  sys.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 'PR_SET_NO_NEW_PRIVS');
}

/** The process's umask, 0022 when the config has none (as runc). */
export function applyUmask(sys: Sys, proc: ProcessPlan): void {
  sys.umask(proc.umask ?? DEFAULT_UMASK);
}

/**
 * Node marks 0-2 close-on-exec at start-up: hand them (and the `preserveFds` fds from 3
 * on) over explicitly, and make every other fd close at execve. Before any seccomp
 * filter, so that it never depends on a syscall the profile may deny (close_range is
 * younger than many profiles).
 */
export function sweepFds(sys: Sys, preserveFds: number): void {
  for (let fd = 0; fd < 3 + preserveFds; fd++) sys.setCloexec(fd, false);
  sys.cloexecFrom(3 + preserveFds);
}

export interface DropPrivilegesOptions extends KernelPaths {
  /** Highest capability of the running kernel; default from <proc>/sys/kernel/cap_last_cap. */
  lastCap?: number;
  /** Where warnings go (unknown capabilities, ambient raise failures). */
  warn?: (message: string) => void;
  /** A rootless container cannot set supplementary groups. */
  rootless?: boolean;
  /** The fds whose owner becomes the container user (default 0, 1, 2). */
  chownStdio?: readonly number[];
  /** The container's /dev/null, recognised so it is never chowned. */
  devNull?: string;
}

/** runc's message when the cwd is not under the container's root (CVE-2024-21626). */
export const CWD_OUTSIDE_ROOT = 'current working directory is outside of container mount namespace root -- possible container breakout detected';

/**
 * After the chdir: the kernel names a cwd that is not under our root "(unreachable)/..."
 * (glibc then answers ENOENT). A leaked host directory fd as cwd must never reach execve.
 */
function verifyCwd(sys: Sys, cwd: string): void {
  let wd: string;
  try {
    wd = sys.getcwd();
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOENT') {
      throw new RuntimeError(`${CWD_OUTSIDE_ROOT} (cwd ${JSON.stringify(cwd)})`, { cause: err });
    }
    throw withContext('failed to verify if current working directory is safe', err);
  }
  if (!wd.startsWith('/')) {
    throw new RuntimeError(`current working directory is not absolute -- possible container breakout detected: cwd is ${JSON.stringify(wd)}`);
  }
}

/**
 * The process's cwd, user, groups and capabilities, in runc's order (finalizeNamespace):
 * cwd, bounding set, keep-caps, stdio owner, setgroups, setresgid, setresuid, the cwd
 * check, capset, ambient set. A seccomp filter without no_new_privs must be loaded
 * before: loading one needs CAP_SYS_ADMIN.
 */
export function dropPrivileges(sys: Sys, proc: ProcessPlan, opts: DropPrivilegesOptions = {}): void {
  const procfs = opts.proc ?? '/proc';
  const warn = opts.warn ?? (() => {});
  const { uid, gid } = proc;

  // Try the cwd while still root: the container user may not be able to reach it,
  // or only the container user may (EACCES/EPERM: retried after setresuid).
  let chdirLater = false;
  try {
    sys.chdir(proc.cwd);
  } catch (err) {
    if (!isPermissionError(err)) throw chdirError(proc.cwd, err);
    chdirLater = true;
  }
  if (!chdirLater) verifyCwd(sys, proc.cwd);

  // Every capability the kernel has that the bounding set leaves out is dropped.
  const lastCap = opts.lastCap ?? kernelLastCap(procfs);
  const caps = capabilityMasks(proc.capabilities);
  if (caps.unknown.length) warn(unknownCapabilitiesWarning(caps.unknown));

  // Bounding set first, while we still hold CAP_SETPCAP; without it there is nothing
  // we may drop (a nested, already-confined runtime), as in runc.
  if ((sys.capget().effective >> BigInt(CAP_SETPCAP)) & 1n) {
    for (let n = 0; n <= lastCap; n++) {
      if ((caps.bounding >> BigInt(n)) & 1n) continue;
      try {
        sys.prctl(PR_CAPBSET_DROP, n, 0, 0, 0, `PR_CAPBSET_DROP ${capName(n) ?? n}`);
      } catch (err) {
        if (!(err instanceof SyscallError && err.code === 'EINVAL')) throw withContext('unable to apply bounding set', err);
      }
    }
  }

  // Keep the permitted set across the uid change; capset below trims it.
  sys.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0, 'PR_SET_KEEPCAPS');
  fixStdioPermissions(sys, uid, opts.chownStdio ?? [0, 1, 2], opts.devNull);
  if (!opts.rootless && setgroupsAllowed(procfs)) {
    // A numeric uid:gid has no /etc/group lookup in runc: the list is exactly
    // additionalGids, and an empty list drops the runtime's own groups.
    sys.setgroups([...proc.additionalGids]);
  } else if (opts.rootless && proc.additionalGids.length) {
    throw new RuntimeError('cannot set any additional groups in a rootless container');
  }
  sys.setresgid(gid);
  sys.setresuid(uid);
  if (chdirLater) {
    try {
      sys.chdir(proc.cwd);
    } catch (err) {
      throw chdirError(proc.cwd, err);
    }
    verifyCwd(sys, proc.cwd);
  }
  sys.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0, 'PR_SET_KEEPCAPS');

  wrapIn('unable to apply caps', () =>
    sys.capset({ effective: caps.effective, permitted: caps.permitted, inheritable: caps.inheritable }),
  );
  sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 'PR_CAP_AMBIENT_CLEAR_ALL');
  for (const n of caps.ambient) {
    // A capability can only be ambient when it is both permitted and inheritable.
    // Configs that list ambient capabilities without an inheritable set (the spec's
    // own example, `runc spec`) ask for what the kernel never grants: skipped
    // silently, as runc 1.1 does.
    const bit = 1n << BigInt(n);
    if (!(caps.permitted & bit) || !(caps.inheritable & bit)) continue;
    try {
      sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0, `PR_CAP_AMBIENT_RAISE ${capName(n)}`);
    } catch (err) {
      // runc only warns (e.g. the PR_CAP_AMBIENT_LOWER securebit is locked).
      const why = err instanceof SyscallError ? goErrnoText(err.code) : String(err);
      warn(`can't raise ambient capability ${capName(n)}: ${why}`);
    }
  }
}
