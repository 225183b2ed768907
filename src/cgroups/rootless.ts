/**
 * Making a rootless container's cgroup, with runc's cgroupfs rule: a runtime that is
 * rootless (`--rootless`, by default when not root) makes the directories it may, and
 * where it gets a permission error (no delegated hierarchy) the container goes without
 * that directory, unless the config names its cgroupsPath. Resources asked of a
 * controller whose directory is missing then fail in applyResources with runc's message
 * (`cannot set pids limit: container could not join or create cgroup`); device rules
 * are ignored there too.
 */
import * as path from 'node:path/posix';
import type { CgroupFs } from './cgroup-fs.js';
import { CgroupError, errnoCode } from './errors.js';
import { loadCgroupManager, type CgroupManager } from './manager.js';

const PERMISSION_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS']);

export interface CgroupCreateOptions {
  rootless: boolean;
  /** `linux.cgroupsPath`: a cgroup the config names must be made. */
  cgroupsPath?: string;
  /** Told each directory passed over and why. */
  skipped?: (dir: string, err: unknown) => void;
  /** Filesystem calls; tests pass a fake cgroupfs. */
  fs?: CgroupFs;
}

/** Makes the cgroup's directories; returns the manager of those the container has. */
export function createCgroup(cg: CgroupManager, opts: CgroupCreateOptions): CgroupManager {
  if (!opts.rootless || opts.cgroupsPath) {
    cg.create();
    return cg;
  }
  const byDir = new Map<string, string[]>();
  for (const [key, dir] of Object.entries(cg.paths)) byDir.set(dir, [...(byDir.get(dir) ?? []), key]);
  const kept: Record<string, string> = {};
  for (const [dir, keys] of byDir) {
    const one: Record<string, string> = Object.fromEntries(keys.map((k) => [k, dir]));
    try {
      loadCgroupManager({ version: 1, mode: cg.mode, paths: one }, opts.fs).create();
    } catch (err) {
      const code = err instanceof CgroupError ? err.code : errnoCode(err);
      if (code === undefined || !PERMISSION_ERRORS.has(code)) throw err;
      opts.skipped?.(dir, err);
      continue;
    }
    Object.assign(kept, one);
  }
  if (Object.keys(kept).length === Object.keys(cg.paths).length) return cg;
  return loadCgroupManager({ version: 1, mode: cg.mode, paths: kept }, opts.fs);
}

/**
 * The directories the container's `cgroup` mount shows (v1): its own, and where a rootless
 * container went without one, the cgroup it stays in, the runtime's own (the parent of the
 * one it was denied: the denied one is `<id>` below it, as no cgroupsPath was named), as
 * runc binds the cgroups /proc/self/cgroup names.
 */
export function mountedCgroupPaths(planned: Readonly<Record<string, string>>, kept: Readonly<Record<string, string>>): Record<string, string> {
  const paths: Record<string, string> = { ...kept };
  for (const [key, dir] of Object.entries(planned)) {
    if (key !== '' && !(key in kept)) paths[key] = path.dirname(dir);
  }
  return paths;
}
