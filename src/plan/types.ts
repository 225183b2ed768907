// What the container (or an exec'd process) will be, decided before any side effect:
// every name turned into its number, every option parsed, every path normalised. The
// runtime makes it from the validated spec and sends it to the init as JSON, so it
// holds no bigint and no function; the init reads the plan, never the spec.
import type { Hook, LinuxSeccomp } from '../generated/config.js';
import type { ParsedMountOptions } from '../linux/mount-options.js';
import type { ChildPidNamespace, NamespaceType } from '../namespaces.js';

/** One `mounts` entry. */
export interface MountPlan {
  /** Absolute container path (a relative destination is taken relative to `/`). */
  destination: string;
  /** As in the config; '' when it has none. */
  type: string;
  /** As in the config (what error messages name). */
  source?: string;
  /** A bind mount: `type: "bind"` or a `bind`/`rbind` option. */
  bind: boolean;
  /** Bind mounts: the host path, relative sources taken from the bundle. */
  bindSource?: string;
  options: ParsedMountOptions;
  /** Its read-only flag and recursive attributes wait for the finalize step (tmpfs, /dev). */
  deferredReadonly: boolean;
  /** An id-mapped bind mount: the runtime makes it (src/runtime/launch/idmapped-mounts.ts), the init attaches it. */
  idmap?: IdmapPlan;
}

/**
 * The id mapping of a bind mount: an id `containerID`+k on the source filesystem shows
 * as `hostID`+k through the mount (the maps of the user namespace given to
 * mount_setattr(MOUNT_ATTR_IDMAP)). Ids the maps leave out show as the overflow id.
 */
export interface IdmapPlan {
  uidMap: IdMapRange[];
  gidMap: IdMapRange[];
  /** `ridmap`: every submount of an rbind is mapped too (AT_RECURSIVE); else only the top mount. */
  recursive: boolean;
}

/** The rootfs: where it is and how its mounts propagate. */
export interface RootPlan {
  /** Absolute host path. */
  path: string;
  readonly: boolean;
  /** MS_* flags for the namespace's `/` before the rootfs is bound; unset without a mount namespace of its own. */
  propagation?: number;
  /** MS_* flags for the new `/` once every path is in place (unbindable only). */
  propagationLast?: number;
}

export interface NamespaceJoin {
  type: NamespaceType;
  path: string;
}

/** One line of a uid_map or gid_map: `size` ids from `containerID` inside are `hostID`... outside. */
export interface IdMapRange {
  containerID: number;
  hostID: number;
  size: number;
}

/**
 * The container's user namespace: a new one, made by the runtime (a threaded process
 * cannot unshare one) and owning the others, or one joined by path (by nsenter, as a
 * threaded process cannot setns into one either).
 */
export interface UserNamespacePlan {
  /** Joined by path; absent: a new one. */
  path?: string;
  /** A new one's maps. A joined one's: the config's (to check against the namespace; may be empty) until create reads the namespace's own. */
  uidMap: IdMapRange[];
  gidMap: IdMapRange[];
}

export interface NamespacesPlan {
  /** Every type the config lists, new or joined. */
  types: NamespaceType[];
  /** A new user namespace and its maps; absent: the runtime's own. */
  user?: UserNamespacePlan;
  /** The pid namespace, set by the runtime around the spawn; absent: the runtime's own. */
  pid?: ChildPidNamespace;
  /** Namespaces the init joins, in join order (mount last: after it, host paths are gone). */
  join: NamespaceJoin[];
  /**
   * Namespaces joined by the single-threaded launcher (nsenter) that starts the init: a
   * time namespace (setns fails with EUSERS in a threaded process) and, when the init
   * starts in a user namespace, every other one by path but mount, joined before the user
   * namespace or, owned by it, after (nsenter tries both).
   */
  launcherJoin: NamespaceJoin[];
  /** New namespaces the init unshares (the pid namespace is the runtime's). */
  create: NamespaceType[];
  /** Their CLONE_NEW* flags, for one unshare(2). */
  unshareFlags: number;
}

/** A device node in the container's /dev. */
export interface DevicePlan {
  /** Absolute container path. */
  path: string;
  type: string;
  /** S_IFCHR, S_IFBLK or S_IFIFO. */
  typeBits: number;
  major: number;
  minor: number;
  /** Permission bits, exact (applied with umask 0). */
  mode: number;
  uid: number;
  gid: number;
}

export interface DevicesPlan {
  /** Whether /dev is ours to populate (not bound from the host). */
  setup: boolean;
  /** In a user namespace mknod is refused: the host's nodes are bound instead. */
  bindOnly: boolean;
  /** The default devices (unless listed) then `linux.devices`, never /dev/ptmx. */
  devices: DevicePlan[];
}

export interface RlimitPlan {
  type: string;
  /** RLIMIT_* resource number. */
  resource: number;
  soft: number;
  hard: number;
}

/** Capability numbers per set; the init turns them into masks. */
export interface CapabilitiesPlan {
  bounding: number[];
  effective: number[];
  permitted: number[];
  inheritable: number[];
  /** In config order, each once (raised one by one). */
  ambient: number[];
  /** Names skipped (unknown to this runtime or beyond the kernel's last capability), sorted. */
  unknown: string[];
}

export interface SchedulerPlan {
  policy: number;
  flags: number;
  nice: number;
  priority: number;
  runtime: number;
  deadline: number;
  period: number;
}

/** The process the container (or exec) runs. */
export interface ProcessPlan {
  args: string[];
  /** De-duplicated (the last of a name wins); HOME is added by the init when missing. */
  env: string[];
  cwd: string;
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  uid: number;
  gid: number;
  umask?: number;
  additionalGids: number[];
  capabilities: CapabilitiesPlan;
  rlimits: RlimitPlan[];
  noNewPrivileges: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  oomScoreAdj?: number;
  scheduler?: SchedulerPlan;
  /** The ioprio_set(2) value. */
  ioPriority?: number;
}

export interface SysctlPlan {
  key: string;
  /** Path under /proc/sys. */
  path: string;
  value: string;
}

export interface TimeOffsetPlan {
  clock: string;
  secs: number;
  nanosecs: number;
}

export interface PersonalityPlan {
  domain: number;
  /** Flags are not applied (none are defined yet); the init warns about them. */
  ignoredFlags: string[];
}

/** The OCI state a hook receives on stdin (runtime-spec fields only). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created';
  /** The init's host pid, filled in once it is spawned (withInitPid). */
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export type CreateHookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer';

export interface HookStage {
  hooks: Hook[];
  state: HookState;
}

export interface ContainerPlan {
  id: string;
  /** Absolute bundle directory. */
  bundle: string;
  root: RootPlan;
  mounts: MountPlan[];
  namespaces: NamespacesPlan;
  hostname?: string;
  domainname?: string;
  dev: DevicesPlan;
  /** Absolute container paths, each once. */
  maskedPaths: string[];
  readonlyPaths: string[];
  sysctls: SysctlPlan[];
  personality?: PersonalityPlan;
  timeOffsets: TimeOffsetPlan[];
  process: ProcessPlan;
  hooks: Record<CreateHookKind, HookStage>;
  /** Built into a filter by the init with libseccomp. */
  seccomp?: LinuxSeccomp;
}

/** A process `exec` starts in a running container. */
export interface ExecPlan {
  process: ProcessPlan;
  seccomp?: LinuxSeccomp;
  /** The namespaces to join (those the runtime does not share already), mount last. */
  joinOrder: NamespaceType[];
  /** Without a mount namespace of its own the container is chrooted in the host's. */
  mountNamespace: boolean;
}
