/**
 * Where the cgroup hierarchies are, and where this process sits in each of them.
 *
 * The layout is read from mountinfo (mount points, and each mount's root inside its hierarchy) and from
 * /proc/self/cgroup (which hierarchies exist, their controller sets, and our own cgroup in each), rather than
 * guessed from directory names: controllers may be co-mounted (`cpu,cpuacct`), named hierarchies exist
 * (`name=systemd`), and inside a container the mounts may show only a sub-tree of the host's hierarchy.
 *
 * Three layouts exist (runc `IsCgroup2UnifiedMode` / `IsCgroup2HybridMode`, youki `get_cgroup_setup`):
 * - unified: cgroup2 is mounted on the cgroup root itself (`/sys/fs/cgroup`);
 * - legacy:  only cgroup v1 hierarchies;
 * - hybrid:  v1 hierarchies plus a cgroup2 mount without controllers of note (usually `/sys/fs/cgroup/unified`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import { type MountinfoEntry, parseMountinfo, readOwnMountinfo } from '../linux/mountinfo.js';
import { CgroupError } from './errors.js';

/** Where the kernel's cgroup hierarchies are mounted on a normal host. */
export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

export type CgroupMode = 'unified' | 'legacy' | 'hybrid';

/** One mounted hierarchy this process belongs to. */
export interface Hierarchy {
  version: 1 | 2;
  /** v1: the controllers (and `name=systemd`) of the hierarchy, as /proc/self/cgroup lists them; v2: empty. */
  controllers: string[];
  /** Absolute mount point (under `root` when a test gives a fake root). */
  mountPoint: string;
  /** The cgroup that is the root of this mount (`/` unless only a sub-tree is mounted, as in a container). */
  mountRoot: string;
  /** This process's cgroup in the hierarchy, as /proc/self/cgroup shows it. */
  ownCgroup: string;
}

export interface CgroupLayout {
  mode: CgroupMode;
  root: string;
  hierarchies: Hierarchy[];
}

export interface LayoutSources {
  /** Directory that stands for /sys/fs/cgroup; mount points under /sys/fs/cgroup are moved under it. */
  root?: string;
  /** Text of /proc/self/cgroup (read from the real file when absent). */
  selfCgroup?: string;
  /** Text of /proc/self/mountinfo (read from the real file when absent). */
  mountinfo?: string;
}

export interface ProcCgroupEntry {
  hierarchyId: number;
  controllers: string[];
  path: string;
}

/** Parse /proc/<pid>/cgroup (`id:controllers:path`; the path itself may contain ':'). */
export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    entries.push({
      hierarchyId: Number(line.slice(0, first)),
      controllers: line.slice(first + 1, second) === '' ? [] : line.slice(first + 1, second).split(','),
      path: line.slice(second + 1),
    });
  }
  return entries;
}

/**
 * Move a mount point under a test's fake root. Mounts outside /sys/fs/cgroup are kept as they are on a real
 * root (cgroups mounted elsewhere still work), and ignored under a fake one.
 */
function mapMountPoint(mountPoint: string, root: string): string | undefined {
  if (mountPoint === DEFAULT_CGROUP_ROOT) return root;
  if (mountPoint.startsWith(`${DEFAULT_CGROUP_ROOT}/`))
    return path.join(root, mountPoint.slice(DEFAULT_CGROUP_ROOT.length));
  return root === DEFAULT_CGROUP_ROOT ? mountPoint : undefined;
}

/** Whether cgroup `ancestor` is `cgroup` or one of its ancestors. */
export function isCgroupWithin(cgroup: string, ancestor: string): boolean {
  return ancestor === '/' || cgroup === ancestor || cgroup.startsWith(`${ancestor}/`);
}

/**
 * Named v1 hierarchies belong to whoever created them; like runc we only join `name=systemd` (so that systemd
 * tools see the container where they expect it) besides real controllers.
 */
function joinableControllers(controllers: string[]): string[] {
  return controllers.filter((c) => !c.startsWith('name=') || c === 'name=systemd');
}

/** Pick the mount of a hierarchy: prefer one whose root contains our own cgroup (a bind of a sub-tree may not). */
function pickMount(candidates: MountinfoEntry[], ownCgroup: string): MountinfoEntry | undefined {
  return candidates.find((m) => isCgroupWithin(ownCgroup, m.root)) ?? candidates[0];
}

let ownLayoutKept = false;
let ownLayout: CgroupLayout | undefined;

/**
 * From now on this process's own layout is read once and kept: for the CLI, which runs
 * one command (create reads it for the cgroup-move warm-up, then for the container's
 * cgroup). A long-lived user of the library reads it anew each time: its cgroup, or the
 * host's mounts, may have changed since.
 */
export function keepOwnCgroupLayout(): void {
  ownLayoutKept = true;
}

/** The cgroup layout as `sources` describe it; without any, this process's own. */
export function detectCgroupLayout(sources: LayoutSources = {}): CgroupLayout {
  const own = sources.root === undefined && sources.mountinfo === undefined && sources.selfCgroup === undefined;
  if (!own || !ownLayoutKept) return readCgroupLayout(sources);
  return (ownLayout ??= readCgroupLayout(sources));
}

function readCgroupLayout(sources: LayoutSources): CgroupLayout {
  const root = sources.root ?? DEFAULT_CGROUP_ROOT;
  const mounts = parseMountinfo(sources.mountinfo ?? readOwnMountinfo())
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .flatMap((m) => {
      const mountPoint = mapMountPoint(m.mountPoint, root);
      return mountPoint === undefined ? [] : [{ ...m, mountPoint }];
    });
  const self = parseProcCgroup(sources.selfCgroup ?? fs.readFileSync('/proc/self/cgroup', 'utf8'));

  const v2Entry = self.find((e) => e.hierarchyId === 0 && e.controllers.length === 0);
  const v2Mounts = mounts.filter((m) => m.fsType === 'cgroup2');
  const v2Mount = v2Entry === undefined ? undefined : pickMount(v2Mounts, v2Entry.path);
  const v2: Hierarchy | undefined =
    v2Entry === undefined || v2Mount === undefined
      ? undefined
      : {
          version: 2,
          controllers: [],
          mountPoint: v2Mount.mountPoint,
          mountRoot: v2Mount.root,
          ownCgroup: v2Entry.path,
        };

  if (v2 !== undefined && v2.mountPoint === root) {
    return { mode: 'unified', root, hierarchies: [v2] };
  }

  const v1: Hierarchy[] = [];
  for (const entry of self) {
    if (entry.hierarchyId === 0) continue;
    const controllers = joinableControllers(entry.controllers);
    if (controllers.length === 0) continue;
    const candidates = mounts.filter(
      (m) => m.fsType === 'cgroup' && entry.controllers.every((c) => m.superOptions.includes(c)),
    );
    const mount = pickMount(candidates, entry.path);
    // A hierarchy that is not mounted cannot be used; runc skips it too.
    if (mount === undefined) continue;
    v1.push({
      version: 1,
      controllers,
      mountPoint: mount.mountPoint,
      mountRoot: mount.root,
      ownCgroup: entry.path,
    });
  }

  if (v1.length === 0) {
    // cgroup2 mounted only somewhere other than the root: it is still the one hierarchy there is.
    if (v2 !== undefined) return { mode: 'unified', root, hierarchies: [v2] };
    throw new CgroupError(`no cgroup hierarchy is mounted (looked for cgroup and cgroup2 mounts under ${root})`);
  }
  return v2 === undefined
    ? { mode: 'legacy', root, hierarchies: v1 }
    : { mode: 'hybrid', root, hierarchies: [...v1, v2] };
}
