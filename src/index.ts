// ocirt as a library: the same operations the CLI runs, for Node programs that
// drive containers without spawning the CLI.
export { makeContext, DEFAULT_ROOT, type RuntimeOptions, type RuntimeContext } from './runtime/context.js';
export { createContainer, type CreateOptions, type Created } from './runtime/create.js';
export { startContainer } from './runtime/start.js';
export { runContainer, type RunOptions } from './runtime/run.js';
export { containerState, listContainers } from './runtime/state.js';
export { killContainer, type KillOptions } from './runtime/kill.js';
export { deleteContainer, type DeleteOptions } from './runtime/delete.js';
export { execProcess, type ExecOptions, type ExecResult } from './runtime/exec.js';
export { pauseContainer, resumeContainer, containerPids } from './runtime/pause.js';
export { features } from './runtime/features.js';
export { type OciState, OCI_VERSION } from './runtime/oci-state.js';
export { loadBundleConfig } from './config/load.js';
export { Logger, type LogOptions } from './log.js';
export { RuntimeError, NotFoundError, SyscallError } from './errors.js';
export type { Spec } from './generated/config.js';
