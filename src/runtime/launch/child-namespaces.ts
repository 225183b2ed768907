// The PID namespace is the one namespace the runtime sets for its *children*: after
// unshare(CLONE_NEWPID) (or setns to a path) on the main thread, the next spawned
// process is PID 1 of the container's namespace. The runtime then returns to its own.
import { closeSync, openSync, constants as fsc } from 'node:fs';
import * as libc from '../../../ffi/libc.js';
import { CLONE_NEWPID } from '../../../ffi/constants.js';
import { fromNodeError } from '../../errors.js';
import type { Spec } from '../../generated/config.js';

export function enterChildNamespaces<T>(spec: Spec, spawnInit: () => T): T {
  const pidns = spec.linux?.namespaces?.find((ns) => ns.type === 'pid');
  if (!pidns) return spawnInit();
  const own = openNs('/proc/self/ns/pid');
  try {
    if (pidns.path) {
      const target = openNs(pidns.path);
      try {
        libc.setns(target, CLONE_NEWPID, pidns.path);
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
