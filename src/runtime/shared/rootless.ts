// Whether the runtime is rootless, as runc's --rootless decides it: `true` and `false`
// force it (any spelling Go's strconv.ParseBool takes); `auto` (the default) is rootless
// when not run as root or when run in a user namespace, and never with --systemd-cgroup.
// Rootless ignores cgroup permission errors (src/cgroups/rootless.ts).
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../../errors.js';

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

export interface RootlessHost {
  euid: number;
  /** Text of /proc/self/uid_map. */
  uidMap: string;
}

/** Whether a uid_map is the initial user namespace's (all ids, unchanged). */
export function isInitialUserNamespace(uidMap: string): boolean {
  return uidMap.trim().split(/\s+/).join(' ') === '0 0 4294967295';
}

function host(): RootlessHost {
  let uidMap = '';
  try {
    uidMap = readFileSync('/proc/self/uid_map', 'utf8');
  } catch { /* no /proc: take the initial namespace */ }
  return { euid: process.geteuid?.() ?? 0, uidMap: uidMap || '0 0 4294967295' };
}

/** The value of `--rootless` (undefined: not given) decided into rootless or not. */
export function resolveRootless(value: string | undefined, systemdCgroup: boolean, h: RootlessHost = host()): boolean {
  if (value !== undefined && value !== '' && value !== 'auto') {
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    throw new RuntimeError(`invalid value for --rootless: ${JSON.stringify(value)} (expected true, false or auto)`);
  }
  if (systemdCgroup) return false;
  return h.euid !== 0 || !isInitialUserNamespace(h.uidMap);
}
