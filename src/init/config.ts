// What the runtime tells the init in its first message. Its fds (exec.fifo, the console
// socket, the v1 pids cgroup) are named slots: slotFd in src/protocol.ts.
import type { Spec } from '../generated/config.js';

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
  /** The container's cgroup directories (for the cgroup mount). */
  cgroupPaths: Record<string, string>;
  debug: boolean;
  /** The OCI state, for the hooks the init runs. */
  state: object;
}
