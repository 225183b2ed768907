// What the runtime tells the exec init (src/init/exec-main.ts) in its first message.
import type { LinuxSeccomp } from '../generated/config.js';
import type { ProcessPlan } from '../plan/types.js';

/** A namespace of the container's init the exec init joins, as an fd it inherited. */
export interface JoinNamespace {
  type: 'ipc' | 'uts' | 'network' | 'cgroup' | 'mount';
  fd: number;
}

export interface ExecInitConfig {
  id: string;
  /** The process, planned by the runtime (src/plan/exec.ts). */
  process: ProcessPlan;
  /** In join order, the mount namespace last; namespaces we already share are left out. */
  namespaces: JoinNamespace[];
  /** How many fds from 3 on pass to the process (--preserve-fds). */
  preserveFds: number;
  /** The fd the pty master is sent over, when the process has a terminal. */
  consoleFd?: number;
  /** Whether stdio (0-2) becomes the container user's; false when it is the caller's own. */
  chownStdio: boolean;
  /** Join a session keyring of the container's own (`_ses.<id>`), as the init did. */
  joinKeyring: boolean;
  debug: boolean;
  /** Without a mount namespace of the container's own: its root to chroot into (`/proc/<init>/root`). */
  root?: string;
  /** The container's v1 pids cgroup.procs, joined just before execve (src/cgroups/self-join.ts). */
  pidsCgroupFd?: number;
  /** The container's seccomp profile: exec'd processes get the same filter as the container's process. */
  seccomp?: LinuxSeccomp;
}
