// Whether the runtime is rootless, as runc's --rootless decides it: `true` and `false`
// force it (any spelling Go's strconv.ParseBool takes); `auto` (the default) is rootless
// when not run as root, or when run as root of a user namespace other than the initial
// one (rootless Podman runs the runtime there) unless with --systemd-cgroup (runc asks
// the user's systemd for its owner there and takes root when it cannot tell; ocirt
// always takes root). Rootless ignores cgroup permission errors (src/cgroups/rootless.ts).
// The default --root follows the same host facts (defaultStateRoot).
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../../errors.js';
import { DEFAULT_ROOT } from './context.js';

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

let thisHost: RootlessHost | undefined;

/** This process's facts, read once: its user namespace and euid do not change while it runs. */
function host(): RootlessHost {
  if (thisHost) return thisHost;
  let uidMap = '';
  try {
    uidMap = readFileSync('/proc/self/uid_map', 'utf8');
  } catch { /* no /proc: take the initial namespace */ }
  thisHost = { euid: process.geteuid?.() ?? 0, uidMap: uidMap || '0 0 4294967295' };
  return thisHost;
}

/**
 * Whether the runtime runs in a user namespace other than the initial one (runc's
 * userns.RunningInUserNS): there, even as root, it lacks CAP_SYS_ADMIN over the host's
 * PID namespace, its cgroups, devices and sysfs.
 */
export function runningInUserNamespace(h: RootlessHost = host()): boolean {
  return !isInitialUserNamespace(h.uidMap);
}

/** The value of `--rootless` (undefined: not given) decided into rootless or not. */
export function resolveRootless(value: string | undefined, systemdCgroup: boolean, h: RootlessHost = host()): boolean {
  if (value !== undefined && value !== '' && value !== 'auto') {
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    throw new RuntimeError(`invalid value for --rootless: ${JSON.stringify(value)} (expected true, false or auto)`);
  }
  if (h.euid !== 0) return true;
  if (isInitialUserNamespace(h.uidMap)) return false;
  return !systemdCgroup;
}

export interface StateRootHost extends RootlessHost {
  env: NodeJS.ProcessEnv;
}

/**
 * The state dir when no --root is given: $XDG_RUNTIME_DIR/ocirt when the runtime is not
 * root, or is root of a user namespace and $USER is not `root`; /run/ocirt otherwise
 * (real root ignores an XDG_RUNTIME_DIR such as /run/user/0).
 */
export function defaultStateRoot(h: StateRootHost = { ...host(), env: process.env }): string {
  const xdg = h.env.XDG_RUNTIME_DIR;
  if (xdg && honoursXdgRuntimeDir(h)) return `${xdg}/ocirt`;
  return DEFAULT_ROOT;
}

function honoursXdgRuntimeDir(h: StateRootHost): boolean {
  if (h.euid !== 0) return true;
  if (isInitialUserNamespace(h.uidMap)) return false;
  return h.env.USER !== 'root';
}
