// The PID namespace is the one namespace the runtime sets for its *children*: after
// unshare(CLONE_NEWPID) (or setns to a path) on the main thread, the next spawned
// process is PID 1 of the container's namespace. The runtime then returns to its own.
import { closeSync, openSync, constants as fsc } from 'node:fs';
import * as libc from '../../../ffi/libc.js';
import { CLONE_NEWPID } from '../../../ffi/constants.js';
import { fromNodeError } from '../../errors.js';

/** `pidNamespace`: the plan's, a path to join, '' for a new one, undefined to stay in ours. */
export function enterChildNamespaces<T>(pidNamespace: string | undefined, spawnInit: () => T): T {
  if (pidNamespace === undefined) return spawnInit();
  const own = openNs('/proc/self/ns/pid');
  try {
    if (pidNamespace) {
      const target = openNs(pidNamespace);
      try {
        libc.setns(target, CLONE_NEWPID, pidNamespace);
      } finally {
        closeSync(target);
      }
    } else {
      libc.unshare(CLONE_NEWPID);
    }
    try {
      return spawnInit();
    } finally {
      libc.setns(own, CLONE_NEWPID, 'back to the runtime pid namespace');
    }
  } finally {
    closeSync(own);
  }
}

function openNs(path: string): number {
  try {
    return openSync(path, fsc.O_RDONLY);
  } catch (err) {
    throw fromNodeError(err, 'open', path);
  }
}
