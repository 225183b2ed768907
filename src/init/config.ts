// What the runtime tells the init in its first message. Its fds (exec.fifo, the console
// socket, the v1 pids cgroup) are named slots: slotFd in src/protocol.ts.
import type { ContainerPlan } from '../plan/types.js';
import type { CompiledSeccomp } from '../process/seccomp.js';

export interface InitConfig {
  /** The container, planned by the runtime (its hook states hold the init's host pid). */
  plan: ContainerPlan;
  noPivot: boolean;
  noNewKeyring: boolean;
  /** How many fds from 3 on pass to the container (LISTEN_FDS + --preserve-fds). */
  preserveFds: number;
  /** LISTEN_FDS count the container is told about (LISTEN_PID becomes 1). */
  listenFds: number;
  /** The container's cgroup directories (for the cgroup mount). */
  cgroupPaths: Record<string, string>;
  debug: boolean;
  /** oom_score_adj was set before the init started (src/runtime/launch/nested-userns.ts). */
  oomScoreAdjSet?: boolean;
  /** The plan's seccomp profile, compiled by the runtime. */
  seccomp?: CompiledSeccomp;
}
