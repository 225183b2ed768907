// Imported first by the init and the exec init, so it runs before their other
// modules. Both start in the container's PID namespace with the host's root, mounts
// and privileges; src/runtime/launch/spawn-init.ts makes them start non-dumpable, and this
// makes sure of it in case they were started some other way: a container process
// must never ptrace them or open their /proc/<pid>/exe, /root or /fd.
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
