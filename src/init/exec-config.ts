// What the runtime tells the exec init (src/init/exec-main.ts) in its first message. Its
// fds (the namespaces, the console socket, the v1 pids cgroup) are named slots: slotFd
// in src/protocol.ts.
import type { CompiledSeccomp } from '../process/seccomp.js';
import type { ProcessPlan } from '../plan/types.js';
import type { NamespaceType } from '../namespaces.js';

export interface ExecInitConfig {
  id: string;
  /** The process, planned by the runtime (src/plan/exec.ts). */
  process: ProcessPlan;
  /**
   * The container init's namespaces to join, in join order (the mount namespace last),
   * each inherited at the fd slot `ns:<type>`; namespaces we already share are left out.
   */
  namespaces: NamespaceType[];
  /** How many fds from 3 on pass to the process (--preserve-fds). */
  preserveFds: number;
  /** Whether stdio (0-2) becomes the container user's; false when it is the caller's own. */
  chownStdio: boolean;
  /** Join a session keyring of the container's own (`_ses.<id>`), as the init did. */
  joinKeyring: boolean;
  debug: boolean;
  /** Without a mount namespace of the container's own: its root to chroot into (`/proc/<init>/root`). */
  root?: string;
  /** The container's seccomp profile, compiled by the runtime: exec'd processes get the same filter as the container's process. */
  seccomp?: CompiledSeccomp;
  /** The runtime wrote the process's oom_score_adj (in a user namespace the exec init may not). */
  oomScoreAdjSet?: boolean;
}
