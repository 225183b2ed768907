// A new user namespace's uid_map and gid_map, written by the runtime into
// /proc/<pid>/ of a process in the namespace. Root in the parent namespace may write
// any ranges, once each. A runtime that is not root (rootless) may write only its own
// uid and gid, once each, and gid_map only after setgroups is "deny"; any other map goes
// through shadow's setuid newuidmap/newgidmap, which allow the ranges /etc/subuid and
// /etc/subgid grant the caller. As runc, a rootless runtime always denies setgroups.
// A namespace joined by path has its maps already: they are read, and checked against
// the config's.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError, jsonPointer, type ValidationIssue } from '../../config/errors.js';
import { RuntimeError, fromNodeError, withContext } from '../../errors.js';
import { utilLinuxProgram } from './userns-holder.js';
import { findHostProgram, HOST_PROGRAM_DIRS } from './host-programs.js';
import type { ContainerPlan, IdMapRange, UserNamespacePlan } from '../../plan/types.js';
import { readSubordinateIds, type IdRange } from './subordinate-ids.js';

/** Who a runtime that is not root runs as, and the host ids it may map besides its own. */
export interface RootlessCaller {
  uid: number;
  gid: number;
  subuids: readonly IdRange[];
  subgids: readonly IdRange[];
}

/** The text of a uid_map or gid_map: one `containerID hostID size` line per range. */
export function formatIdMap(ranges: readonly IdMapRange[]): string {
  return ranges.map((r) => `${r.containerID} ${r.hostID} ${r.size}\n`).join('');
}

/** The host id that `containerId` is in the namespace, or undefined when the map leaves it out. */
export function hostIdOf(ranges: readonly IdMapRange[], containerId: number): number | undefined {
  const r = ranges.find((m) => containerId >= m.containerID && containerId < m.containerID + m.size);
  return r ? r.hostID + (containerId - r.containerID) : undefined;
}

/** The caller of this process, with its ranges from `/etc/subuid` and `/etc/subgid` (`etc` in tests). */
export function rootlessCaller(etc = '/etc'): RootlessCaller {
  const uid = process.geteuid!();
  const gid = process.getegid!();
  const user = { name: userName(uid, etc), uid };
  return { uid, gid, subuids: readSubordinateIds(`${etc}/subuid`, user), subgids: readSubordinateIds(`${etc}/subgid`, user) };
}

/** The name of `uid` in `<etc>/passwd` (read here: Bun's os.userInfo() gives no name), if it has one. */
export function userName(uid: number, etc = '/etc'): string | undefined {
  let text = '';
  try {
    text = readFileSync(`${etc}/passwd`, 'utf8');
  } catch { /* no passwd: subid lines can only name the user by number */ }
  return text.split('\n').map((l) => l.split(':')).find((f) => f.length >= 3 && f[2] === String(uid))?.[0];
}

/** Whether a map is only the writer's own id, once: the one map the kernel lets it write itself. */
export function isOwnIdOnly(ranges: readonly IdMapRange[], id: number): boolean {
  return ranges.length === 1 && ranges[0]!.size === 1 && ranges[0]!.hostID === id;
}

/**
 * The ranges of a new user namespace's maps that `caller` may not map (each at its JSON
 * pointer): a range must be the caller's own id alone or lie within one of its subid ranges.
 */
export function checkRootlessMaps(user: UserNamespacePlan, caller: RootlessCaller): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const check = (field: 'uidMappings' | 'gidMappings', ranges: readonly IdMapRange[], own: number, granted: readonly IdRange[], file: string) => {
    ranges.forEach((r, i) => {
      if (r.size === 1 && r.hostID === own) return;
      if (granted.some((g) => r.hostID >= g.start && r.hostID + r.size <= g.start + g.count)) return;
      const kind = field === 'uidMappings' ? 'uid' : 'gid';
      const have = granted.length ? granted.map((g) => `${g.start}-${g.start + g.count - 1}`).join(', ') : 'none';
      issues.push({
        pointer: jsonPointer('linux', field, i),
        message: `host ${kind}s ${r.hostID}-${r.hostID + r.size - 1} may not be mapped by ${kind} ${own}: neither its own ${kind} nor within its ranges in ${file} (${have})`,
      });
    });
  };
  check('uidMappings', user.uidMap, caller.uid, caller.subuids, '/etc/subuid');
  check('gidMappings', user.gidMap, caller.gid, caller.subgids, '/etc/subgid');
  return issues;
}

/** The absolute path of newuidmap or newgidmap. */
export function idMapTool(name: 'newuidmap' | 'newgidmap', dirs: readonly string[] = HOST_PROGRAM_DIRS): string {
  return findHostProgram(name, dirs, 'rootless user namespace maps need');
}

export interface WriteIdMapsOptions {
  /** /proc but in tests. */
  procRoot?: string;
  /** Set when the runtime is not root: who it runs as. */
  rootless?: { uid: number; gid: number };
  /** Runs newuidmap/newgidmap (tests record the call). */
  runTool?: (name: 'newuidmap' | 'newgidmap', args: string[]) => void;
}

/** Writes the maps of the user namespace `pid` is in. */
export function writeIdMaps(pid: number, user: UserNamespacePlan, opts: WriteIdMapsOptions = {}): void {
  const procRoot = opts.procRoot ?? '/proc';
  const write = (name: string, text: string) => {
    const path = `${procRoot}/${pid}/${name}`;
    try {
      writeFileSync(path, text);
    } catch (err) {
      throw withContext(`write the user namespace's ${name}`, fromNodeError(err, 'write', path));
    }
  };
  const { rootless } = opts;
  if (!rootless) {
    write('uid_map', formatIdMap(user.uidMap));
    // The container's root may call setgroups(2), as in runc without a rootless map.
    write('setgroups', 'allow');
    write('gid_map', formatIdMap(user.gidMap));
    return;
  }
  const runTool = opts.runTool ?? runIdMapTool;
  const viaTool = (name: 'newuidmap' | 'newgidmap', ranges: readonly IdMapRange[]) =>
    runTool(name, [String(pid), ...ranges.flatMap((r) => [String(r.containerID), String(r.hostID), String(r.size)])]);
  if (isOwnIdOnly(user.uidMap, rootless.uid)) write('uid_map', formatIdMap(user.uidMap));
  else viaTool('newuidmap', user.uidMap);
  // Required before an unprivileged gid_map, and what runc does for every rootless map.
  write('setgroups', 'deny');
  if (isOwnIdOnly(user.gidMap, rootless.gid)) write('gid_map', formatIdMap(user.gidMap));
  else viaTool('newgidmap', user.gidMap);
}

function runIdMapTool(name: 'newuidmap' | 'newgidmap', args: string[]): void {
  const path = idMapTool(name);
  try {
    execFileSync(path, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { status?: number | null; signal?: string | null; stderr?: Buffer; message: string };
    const why = e.stderr?.toString().trim() || (e.signal ? `killed by ${e.signal}` : e.status != null ? `exit status ${e.status}` : e.message);
    throw new RuntimeError(`write the user namespace's ${name === 'newuidmap' ? 'uid_map' : 'gid_map'}: ${path} ${args.join(' ')}: ${why}`);
  }
}

/** The ranges of a uid_map or gid_map's text. */
export function parseIdMap(text: string): IdMapRange[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [containerID, hostID, size] = line.trim().split(/\s+/).map(Number);
    return { containerID: containerID!, hostID: hostID!, size: size! };
  });
}

/** Whether two maps map the same ids, whatever the order of their ranges. */
export function sameIdMap(a: readonly IdMapRange[], b: readonly IdMapRange[]): boolean {
  const key = (m: readonly IdMapRange[]) => m.map((r) => `${r.containerID} ${r.hostID} ${r.size}`).sort().join('\n');
  return key(a) === key(b);
}

/** How long nsenter may take to print a namespace's maps. */
const READ_MAPS_TIMEOUT_MS = 10_000;

/**
 * The maps of the user namespace at `path` (a /proc/<pid>/ns/user or a bind mount of
 * one), as its processes see them. A threaded process cannot enter it: nsenter does,
 * keeping our credentials (the namespace need not map uid 0), and prints both files.
 */
export function readUserNamespaceMaps(path: string): { uidMap: IdMapRange[]; gidMap: IdMapRange[] } {
  // Our own: nsenter could not enter it (setns refuses the namespace one is in with EINVAL).
  if (isOwnUserNamespace(path)) {
    const read = (name: string) => {
      try {
        return parseIdMap(readFileSync(`/proc/self/${name}`, 'utf8'));
      } catch (err) {
        throw fromNodeError(err, 'read', `/proc/self/${name}`);
      }
    };
    return { uidMap: read('uid_map'), gidMap: read('gid_map') };
  }
  const r = spawnSync(utilLinuxProgram('nsenter'), [`--user=${path}`, '--preserve-credentials', '--', '/bin/sh', '-c',
    'cat /proc/self/uid_map && echo - && cat /proc/self/gid_map'], { encoding: 'utf8', env: {}, timeout: READ_MAPS_TIMEOUT_MS });
  const [uid, gid] = (r.stdout ?? '').split('-\n');
  if (r.status !== 0 || gid === undefined) {
    const why = r.error?.message ?? (r.stderr?.trim() || `status ${r.status ?? r.signal}`);
    throw new RuntimeError(`read the maps of the user namespace ${path}: nsenter --user: ${why}`);
  }
  return { uidMap: parseIdMap(uid!), gidMap: parseIdMap(gid) };
}

function isOwnUserNamespace(path: string): boolean {
  try {
    const theirs = statSync(path);
    const ours = statSync('/proc/self/ns/user');
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false; // nsenter says why
  }
}

/**
 * A user namespace joined by path, with the maps it has: the config's maps, when it
 * gives any, must be those (as runc), else a ConfigError at their pointer. Called before
 * any side effect.
 */
export function joinedUserNamespace(user: UserNamespacePlan & { path: string }, read = readUserNamespaceMaps): UserNamespacePlan {
  const actual = read(user.path);
  const issues: ValidationIssue[] = [];
  for (const [field, given, has] of [['uidMappings', user.uidMap, actual.uidMap], ['gidMappings', user.gidMap, actual.gidMap]] as const) {
    if (given.length > 0 && !sameIdMap(given, has)) {
      issues.push({
        pointer: jsonPointer('linux', field),
        message: `is not the map of the user namespace ${user.path} (${formatIdMap(has).trim().split('\n').join(', ')}): leave it out or give that one`,
      });
    }
  }
  if (issues.length) throw ConfigError.invalid('config.json', issues);
  return { path: user.path, ...actual };
}

/** The plan with a joined user namespace's own maps (read and checked now, before any side effect); others as they are. */
export function withJoinedUserNamespaceMaps(plan: ContainerPlan, read = readUserNamespaceMaps): ContainerPlan {
  const user = plan.namespaces.user;
  if (user?.path === undefined) return plan;
  return { ...plan, namespaces: { ...plan.namespaces, user: joinedUserNamespace({ ...user, path: user.path }, read) } };
}
