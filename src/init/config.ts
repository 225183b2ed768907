// What the runtime tells the init in its first message.
import type { Spec } from '../generated/config.js';
import type { SelfJoinFds } from '../cgroups/self-join.js';

export interface InitConfig {
  id: string;
  bundle: string;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  spec: Spec;
  /** The init's pid as the host sees it (hooks get it in their state). */
  hostPid: number;
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
  /** The OCI state, for the hooks the init runs. */
  state: object;
}
