/**
 * Per-controller behaviour, one module per controller (`v1/<name>.ts`, `v2/<name>.ts`), looked up by the key the
 * manager uses in `paths` (a v1 controller name, or `''` for the cgroup2 directory).
 *
 * Today a controller may only need to prepare a fresh directory (v1 cpuset). Resource limits will be added as a
 * second hook, `apply(fs, dir, resources)`, in the same modules (v1 `memory.limit_in_bytes`, v2 `memory.max`…);
 * the manager will call it for each key it has, so a controller the host lacks is simply never called.
 */
import type { CgroupFs } from './cgroup-fs.js';
import { inheritCpuset } from './v1/cpuset.js';

export interface ControllerSupport {
  /** Runs once the cgroup directory exists, before any process joins it. */
  prepare?(fs: CgroupFs, dir: string): void;
}

const v1Controllers: Readonly<Record<string, ControllerSupport>> = {
  cpuset: { prepare: inheritCpuset },
};

const v2Hierarchy: ControllerSupport = {};

/** The support module for a key of `paths`; controllers with nothing to do get an empty one. */
export function controllerSupport(key: string): ControllerSupport {
  if (key === '') return v2Hierarchy;
  return v1Controllers[key] ?? {};
}
