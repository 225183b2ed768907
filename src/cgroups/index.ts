/** The cgroup manager (placement of processes; resource limits come later). */
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
  CgroupManager,
  type CgroupManagerOptions,
  type SavedCgroupManager,
  createCgroupManager,
  loadCgroupManager,
} from './manager.js';
