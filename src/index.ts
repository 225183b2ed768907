// ocirt as a library: the same operations the CLI runs, for Node programs that
// drive containers without spawning the CLI.
export { makeContext, DEFAULT_ROOT, type RuntimeOptions, type RuntimeContext } from './runtime/shared/context.js';
export { createContainer, type CreateOptions, type Created } from './runtime/operations/create.js';
export { startContainer } from './runtime/operations/start.js';
export { runContainer, type RunOptions } from './runtime/operations/run.js';
export { containerState, listContainers } from './runtime/operations/state.js';
export { killContainer, type KillOptions } from './runtime/operations/kill.js';
export { deleteContainer, type DeleteOptions } from './runtime/operations/delete.js';
export { execProcess, type ExecOptions, type ExecResult } from './runtime/operations/exec.js';
export { pauseContainer, resumeContainer, containerPids } from './runtime/operations/pause.js';
export { features } from './runtime/operations/features.js';
export { type OciState } from './runtime/shared/oci-state.js';
export { OCI_VERSION } from './oci-version.js';
export { loadBundleConfig } from './config/load.js';
export { Logger, type LogOptions } from './log.js';
export { RuntimeError, NotFoundError, SyscallError } from './errors.js';
export type { Spec } from './generated/config.js';
