// Linux namespaces: the one table of OCI namespace types (CLONE_NEW* flag, the file
// under /proc/<pid>/ns/), the order they are joined in, and joining through Sys.
// The PID namespace is the one the runtime sets for its *children*: after
// unshare(CLONE_NEWPID) or setns on the main thread, the next spawned process starts
// in it, and the runtime then returns to its own (withChildPidNamespace).
import { closeSync, fstatSync, openSync, readlinkSync, statSync, writeFileSync, constants as fsc } from 'node:fs';
import {
  CLONE_FS, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
} from '../ffi/constants.js';
import { RuntimeError, SyscallError, fromNodeError, withContext } from './errors.js';
import { ConfigError, jsonPointer, type ValidationIssue } from './config/errors.js';
import type { Sys } from './syscall/sys.js';
import { withoutNewEngineThreads } from './engine-threads.js';
import type { NamespacesSpec } from './namespace-spec.js';

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface NamespaceInfo {
  /** CLONE_NEW* flag for unshare/setns. */
  readonly cloneFlag: number;
  /** File name under /proc/<pid>/ns/ of the namespace the process is in. */
  readonly procName: string;
}

/** OCI namespace types, in runtime-spec order. */
export const NAMESPACES: Readonly<Record<NamespaceType, NamespaceInfo>> = Object.freeze({
  pid: Object.freeze({ cloneFlag: CLONE_NEWPID, procName: 'pid' }),
  network: Object.freeze({ cloneFlag: CLONE_NEWNET, procName: 'net' }),
  mount: Object.freeze({ cloneFlag: CLONE_NEWNS, procName: 'mnt' }),
  ipc: Object.freeze({ cloneFlag: CLONE_NEWIPC, procName: 'ipc' }),
  uts: Object.freeze({ cloneFlag: CLONE_NEWUTS, procName: 'uts' }),
  user: Object.freeze({ cloneFlag: CLONE_NEWUSER, procName: 'user' }),
  cgroup: Object.freeze({ cloneFlag: CLONE_NEWCGROUP, procName: 'cgroup' }),
  time: Object.freeze({ cloneFlag: CLONE_NEWTIME, procName: 'time' }),
});

export const NAMESPACE_TYPES: readonly NamespaceType[] = Object.freeze(Object.keys(NAMESPACES) as NamespaceType[]);

/**
 * The order an init joins namespaces in: the mount namespace last, since after it the
 * host's paths are gone. pid is set by the runtime before the spawn, user is not joined.
 */
export const JOIN_ORDER: readonly NamespaceType[] = Object.freeze(['ipc', 'uts', 'network', 'cgroup', 'time', 'mount']);

export function isNamespaceType(type: string): type is NamespaceType {
  return Object.hasOwn(NAMESPACES, type);
}

function info(type: string): NamespaceInfo {
  if (!isNamespaceType(type)) throw new RuntimeError(`unknown namespace type ${JSON.stringify(type)}`);
  return NAMESPACES[type];
}

/** CLONE_NEW* flag of an OCI namespace type; throws `unknown namespace type "X"`. */
export function namespaceCloneFlag(type: string): number {
  return info(type).cloneFlag;
}

/** `/proc/<pid>/ns/<name>` of an OCI namespace type (`network` → `net`, `mount` → `mnt`). */
export function namespaceProcPath(type: string, pid: number | 'self' = 'self'): string {
  return `/proc/${pid}/ns/${info(type).procName}`;
}

/** Opens a namespace file (`/proc/<pid>/ns/<name>` or a bind mount of one). */
export function openNamespace(path: string): number {
  try {
    return openSync(path, fsc.O_RDONLY);
  } catch (err) {
    throw fromNodeError(err, 'open', path);
  }
}

/** Whether the namespace behind `fd` is the one this process is in already. */
export function sameNamespace(fd: number, type: NamespaceType): boolean {
  const own = namespaceProcPath(type);
  let ours;
  try {
    ours = statSync(own);
  } catch (err) {
    throw fromNodeError(err, 'stat', own);
  }
  const theirs = fstatSync(fd);
  return ours.ino === theirs.ino && ours.dev === theirs.dev;
}

/** setns into the namespace behind `fd`; `what` names it in errors. */
export function joinNamespace(sys: Sys, fd: number, type: NamespaceType, what: string): void {
  // setns into a mount namespace needs an fs_struct of our own (Node's threads share
  // ours); it then moves our root and cwd to the namespace's root.
  if (type === 'mount') sys.unshare(CLONE_FS);
  sys.setns(fd, NAMESPACES[type].cloneFlag, what);
}

/** The PID namespace children are to start in: a new one, an open fd of one, or a path. */
export type ChildPidNamespace = { new: true } | { fd: number } | { path: string };

/**
 * Runs `fn` (which spawns) with the main thread's children's PID namespace set to
 * `target`, then comes back to our own, whether `fn` returned or threw. An fd of the
 * namespace we are in already changes nothing.
 */
export function withChildPidNamespace<T>(sys: Sys, target: ChildPidNamespace, fn: () => T): T {
  if ('fd' in target && sameNamespace(target.fd, 'pid')) return fn();
  // Meanwhile the kernel refuses this process new threads: the engine must start none.
  return withoutNewEngineThreads(() => inChildPidNamespace(sys, target, fn));
}

function inChildPidNamespace<T>(sys: Sys, target: ChildPidNamespace, fn: () => T): T {
  const own = openNamespace(namespaceProcPath('pid'));
  try {
    if ('new' in target) {
      sys.unshare(CLONE_NEWPID);
    } else if ('fd' in target) {
      sys.setns(target.fd, CLONE_NEWPID, "the container's pid namespace");
    } else {
      const fd = openNamespace(target.path);
      try {
        sys.setns(fd, CLONE_NEWPID, target.path);
      } finally {
        closeSync(fd);
      }
    }
    try {
      return fn();
    } finally {
      sys.setns(own, CLONE_NEWPID, 'back to the runtime pid namespace');
    }
  } finally {
    closeSync(own);
  }
}

/** One clock's offset in a new time namespace (`linux.timeOffsets`). */
export interface TimeOffset {
  clock: string;
  secs: number;
  nanosecs: number;
}

/**
 * Writes the offsets of the time namespace `pid`'s children get, which must be new and
 * entered by no process yet (`procRoot` is /proc but in tests). The init writes its own;
 * in a user namespace, where it is non-dumpable and may not open its own /proc files,
 * the runtime writes them.
 */
export function writeTimeOffsets(pid: number | 'self', offsets: readonly TimeOffset[], procRoot = '/proc'): void {
  if (offsets.length === 0) return;
  const path = `${procRoot}/${pid}/timens_offsets`;
  try {
    writeFileSync(path, offsets.map((o) => `${o.clock} ${o.secs} ${o.nanosecs}\n`).join(''));
  } catch (err) {
    throw withContext('set time namespace offsets', fromNodeError(err, 'write', path));
  }
}

/**
 * Every namespace `linux.namespaces` gives by path must be a namespace file of its type:
 * checked before any side effect, so a wrong path is refused at its pointer rather than
 * by the init or its launcher halfway through create.
 */
export function checkNamespacePaths(spec: NamespacesSpec, sys: Pick<Sys, 'namespaceType'>): void {
  const issues: ValidationIssue[] = [];
  spec.linux?.namespaces?.forEach((ns, i) => {
    if (!ns.path || !isNamespaceType(ns.type)) return;
    const problem = namespaceFileProblem(ns.path, ns.type, sys);
    if (problem) issues.push({ pointer: jsonPointer('linux', 'namespaces', i, 'path'), message: problem });
  });
  if (issues.length) throw ConfigError.invalid('config.json', issues);
}

function namespaceFileProblem(path: string, type: NamespaceType, sys: Pick<Sys, 'namespaceType'>): string | undefined {
  let fd: number;
  try {
    fd = openNamespace(path);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  try {
    // Asked of the file itself: a bind mount of one (an engine's /run/netns/x) reads back by its own path.
    const flag = sys.namespaceType(fd, path);
    if (flag === NAMESPACES[type].cloneFlag) return undefined;
    const kind = NAMESPACE_TYPES.find((t) => NAMESPACES[t].cloneFlag === flag);
    return `${path} is a ${kind ? NAMESPACES[kind].procName : `0x${flag.toString(16)}`} namespace, not a ${type} namespace`;
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOTTY') return `${path} is not a namespace file`;
    return err instanceof Error ? err.message : String(err);
  } finally {
    closeSync(fd);
  }
}
