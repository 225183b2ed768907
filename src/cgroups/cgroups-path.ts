/**
 * `linux.cgroupsPath` → one directory per hierarchy, as runc's cgroupfs driver does it.
 *
 * runc (specconv `CreateCgroupConfig`, then the fs/fs2 managers' `innerPath`/`subsysPath`):
 * - an absolute path is taken as is, below the mount point of each hierarchy;
 * - a relative path is below the runtime's own cgroup in each hierarchy (from /proc/self/cgroup, made relative to
 *   the mount's root as seen in mountinfo), so a runtime that runs inside a cgroup keeps its containers inside it;
 * - on a unified (v2-only) host the base is the *parent* of the runtime's own cgroup (runc fs2 `_defaultDirPath`):
 *   the runtime's cgroup holds processes, and v2's no-internal-processes rule would stop controllers from being
 *   enabled for a child of it;
 * - an empty/absent cgroupsPath gives the relative path `<container id>` (runc sets `Name = id` and leaves `Path`
 *   empty; `Name` is joined like a relative path). Checked with runc 1.1.5 on a hybrid host: the memory hierarchy,
 *   where runc's own cgroup was `/process_api/…`, got `/process_api/…/<id>`; all others `/<id>`.
 *
 * Two deliberate differences from runc:
 * - runc's `CleanPath` silently clamps `..` (`../../x` becomes `x`); we refuse a path whose `..` would leave its
 *   base, and paths naming the base itself (`/`, `.`): destroying such a cgroup would remove someone else's.
 * - in hybrid mode runc 1.1 puts the cgroup2 directory below the cgroup2 mount even for relative paths, ignoring
 *   the runtime's own cgroup2 cgroup; we treat the cgroup2 hierarchy like every v1 one (relative to our own cgroup).
 *   Both agree whenever the runtime sits in the cgroup2 root, as on this host.
 */
import * as path from 'node:path/posix';

import { CgroupError } from './errors.js';
import { type CgroupLayout, type Hierarchy, isCgroupWithin } from './layout.js';

/** A cgroupsPath reduced to clean components; `absolute` says which base it is relative to. */
export interface InnerPath {
  absolute: boolean;
  /** Clean relative path below the base (no `.`, `..` or empty components), never empty. */
  inner: string;
}

/** A container id is one path component in the default cgroup path; refuse anything that is not. */
function checkIdComponent(id: string): void {
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\0')) {
    throw new CgroupError(`invalid container id ${JSON.stringify(id)} for a cgroup name`);
  }
}

/** Normalise `linux.cgroupsPath` for the cgroupfs driver (empty → `<id>`, relative). */
export function parseCgroupsPath(cgroupsPath: string | undefined, id: string): InnerPath {
  if (cgroupsPath === undefined || cgroupsPath === '') {
    checkIdComponent(id);
    return { absolute: false, inner: id };
  }
  const quoted = JSON.stringify(cgroupsPath);
  if (cgroupsPath.includes('\0')) throw new CgroupError(`invalid cgroupsPath ${quoted}: contains a NUL byte`);
  const absolute = cgroupsPath.startsWith('/');
  const parts: string[] = [];
  for (const part of cgroupsPath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) {
        const base = absolute ? 'the cgroup hierarchy root' : "the runtime's own cgroup";
        throw new CgroupError(`invalid cgroupsPath ${quoted}: ".." leads outside ${base}`);
      }
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  if (parts.length === 0) {
    const base = absolute ? 'the root cgroup' : "the runtime's own cgroup";
    throw new CgroupError(`invalid cgroupsPath ${quoted}: it names ${base}, not a cgroup of its own`);
  }
  return { absolute, inner: parts.join('/') };
}

/** The base directory for relative paths in one hierarchy: our own cgroup, as seen below its mount point. */
function relativeBase(h: Hierarchy, mode: CgroupLayout['mode']): string {
  const own = mode === 'unified' ? path.dirname(h.ownCgroup) : h.ownCgroup;
  // Our cgroup outside the mounted sub-tree cannot be reached through this mount: use the mount's root.
  if (!isCgroupWithin(own, h.mountRoot)) return h.mountPoint;
  return path.join(h.mountPoint, path.relative(h.mountRoot, own));
}

/** The key of a hierarchy in `paths`: each v1 controller (co-mounted ones share a directory), `''` for cgroup2. */
export function hierarchyKeys(h: Hierarchy): string[] {
  return h.version === 2 ? [''] : h.controllers;
}

/** Resolve the container's directory in every hierarchy of `layout`. */
export function resolveCgroupPaths(layout: CgroupLayout, inner: InnerPath): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const h of layout.hierarchies) {
    const dir = path.join(inner.absolute ? h.mountPoint : relativeBase(h, layout.mode), inner.inner);
    // Defence in depth: `inner` is clean, but a mount point or own cgroup with odd entries must not move us out.
    if (!dir.startsWith(`${h.mountPoint}/`)) {
      throw new CgroupError(`cgroup directory ${dir} is not below the hierarchy mounted at ${h.mountPoint}`);
    }
    for (const key of hierarchyKeys(h)) paths[key] = dir;
  }
  return paths;
}

/** `slice:prefix:name`, the cgroupsPath syntax of the systemd driver. */
export interface SystemdUnitPath {
  slice: string;
  prefix: string;
  name: string;
}

/** Parse a systemd-driver cgroupsPath; empty gives runc's default (`system.slice`, prefix `runc`, the id). */
export function parseSystemdCgroupsPath(cgroupsPath: string | undefined, id: string): SystemdUnitPath {
  if (cgroupsPath === undefined || cgroupsPath === '') return { slice: 'system.slice', prefix: 'runc', name: id };
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3) {
    throw new CgroupError(
      `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${JSON.stringify(cgroupsPath)} instead`,
    );
  }
  return { slice: parts[0]!, prefix: parts[1]!, name: parts[2]! };
}
