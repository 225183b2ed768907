// The runtime's caller may leave fds open without close-on-exec (a shell's
// `exec 200</dir`, an engine's stray descriptor). None of them may reach the inits,
// the hooks or the container: an fd on a host directory lets a container process
// chdir or exec through /proc/self/fd/N onto the host. Like runc, the runtime marks
// every fd from 3 on close-on-exec before it spawns anything: each place that spawns
// (the inits, the hooks, ps) calls markInheritedFdsCloseOnExec first, so a command
// that fails before it starts anything pays nothing for it. The fds a child is
// meant to have (stdio, LISTEN_FDS, --preserve-fds, the sync socket) are named in the
// spawn's stdio list, and the spawn dup2s them into place, which clears the flag on
// the child's copy.
import { linuxSys } from '../../syscall/linux.js';

/** Marks every fd of this process from 3 on close-on-exec (the init's own sweep, with its fallback). */
export function markInheritedFdsCloseOnExec(): void {
  linuxSys.cloexecFrom(3);
}
