// Imported first by the exec init, so it runs before any other module is evaluated.
// The exec init is in the container's PID namespace from its first instruction, and
// still has the host's root and mounts: until it is non-dumpable, a container process
// with enough privilege could ptrace it or open /proc/<pid>/exe, /root or /fd.
import { prctl } from '../../ffi/libc.js';
import { PR_SET_DUMPABLE } from '../../ffi/constants.js';

let failure: unknown;
try {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0, 'PR_SET_DUMPABLE');
} catch (err) {
  failure = err;
}

/** The error of the PR_SET_DUMPABLE call, if it failed (the init then reports it and exits). */
export const dumpableError = failure;
