/** The cgroup manager: placement of processes, resource limits, freezing, statistics; one driver per layout. */
export { CgroupError } from './errors.js';
export { type CgroupFs, nodeCgroupFs } from './cgroup-fs.js';
export {
  type CgroupLayout,
  type CgroupMode,
  DEFAULT_CGROUP_ROOT,
  type Hierarchy,
  detectCgroupLayout,
  parseProcCgroup,
} from './layout.js';
export { type InnerPath, parseCgroupsPath, parseSystemdCgroupsPath, resolveCgroupPaths } from './cgroups-path.js';
export {
  type CgroupManager,
  type CgroupManagerOptions,
  type SavedCgroupManager,
  createCgroupManager,
  loadCgroupManager,
} from './manager.js';
