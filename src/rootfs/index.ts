// The container's root filesystem, in the order the init calls it:
//   prepareRootfs  (mounts, /dev; host paths, before the createContainer hooks)
//   enterRootfs    (pivot_root, or MS_MOVE + chroot with --no-pivot)
//   bindConsole    (terminal: true only)
//   finalizeRootfs (read-only remounts, read-only root, readonly and masked paths)
export { prepareRootfs, type PrepareOptions } from './prepare.js';
export { enterRootfs, type EnterOptions } from './pivot.js';
export { finalizeRootfs, type FinalizeRootfsOptions } from './finalize.js';
export { bindConsole, type ConsoleOptions } from './dev-console.js';
export type { RootfsPlan } from './prepare.js';
