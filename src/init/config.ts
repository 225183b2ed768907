// What the runtime tells the init in its first message.
import type { SelfJoinFds } from '../cgroups/self-join.js';
import type { ContainerPlan } from '../plan/types.js';

export interface InitConfig {
  /** The container, planned by the runtime (its hook states hold the init's host pid). */
  plan: ContainerPlan;
  noPivot: boolean;
  noNewKeyring: boolean;
  /** How many fds from 3 on pass to the container (LISTEN_FDS + --preserve-fds). */
  preserveFds: number;
  /** LISTEN_FDS count the container is told about (LISTEN_PID becomes 1). */
  listenFds: number;
  /** The init's fd numbers: an O_PATH fd of exec.fifo, the console socket. */
  fifoFd: number;
  consoleFd?: number;
  /** The container's cgroup directories (for the cgroup mount). */
  cgroupPaths: Record<string, string>;
  /** The v1 pids cgroup the init joins by itself (src/cgroups/self-join.ts), as fd numbers. */
  pidsCgroup?: SelfJoinFds;
  debug: boolean;
}
