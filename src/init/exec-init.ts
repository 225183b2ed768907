// The exec init's work, top to bottom: join the container's namespaces (mount last) and,
// without a mount namespace of its own, its root; the session keyring, the terminal, the
// process attributes, the executable lookup, the pids cgroup; then, as the container init
// does before `ready`, the fd sweep, a seccomp filter without no_new_privs, credentials
// and capabilities, and a no_new_privs filter last; `ready`, and execve.
//
// Every step with a side effect on the process goes through `sys`, the runtime is reached
// through `channel`, so a test can run it all in order.
import { closeSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Sys } from '../syscall/sys.js';
import type { ExecInitConfig } from './exec-config.js';
import { requireSlot, slotFd, type InitLink } from '../protocol.js';
import { joinNamespace } from '../namespaces.js';
import { sessionKeyringName } from './keyring.js';
import {
  applyEarlyAttributes, applyExecLabels, applyUmask, containerEnv, dropPrivileges, resolveExecutable, setNoNewPrivileges, sweepFds,
} from '../process/attributes.js';
import { makeControllingTerminal, sendConsole } from '../terminal/index.js';

/** What the exec init takes from the process it runs in. */
export interface ExecInitIO {
  /** The init's argv: argv[2] names its fd slots (ns:<type>, console, pidsJoin). */
  argv: readonly string[];
  /** Signals ignored when the init started (Node's own, the caller's): back to their defaults before execve. */
  ignoredSignals: readonly number[];
}

export function runExecInit(sys: Sys, channel: InitLink, config: ExecInitConfig, io: ExecInitIO): never {
  const proc = config.process;
  const step = channel.stepLogger('exec init', config.debug);
  const warn = (msg: string) => channel.log('warning', msg);

  // Compiled by the runtime: only loaded here.
  const { seccomp } = config;

  // In the runtime's join order: the mount namespace last.
  for (const type of config.namespaces) {
    step(`join ${type} namespace`, () => {
      const fd = requireSlot(`ns:${type}`, io.argv);
      try {
        joinNamespace(sys, fd, type, `${type} namespace of the container`);
      } finally {
        closeSync(fd);
      }
    });
  }
  // A container without a mount namespace of its own shares the host's: only its root tells it apart.
  if (config.root !== undefined) {
    const root = config.root;
    step('chroot', () => {
      sys.chroot(root);
      sys.chdir('/');
    });
  }
  if (config.joinKeyring) step('join session keyring', () => sys.joinSessionKeyring(sessionKeyringName(config.id)));
  if (proc.terminal) {
    step('set up console', () => {
      const consoleFd = slotFd('console', io.argv);
      if (consoleFd === undefined) throw new RuntimeError('terminal requested without a console socket');
      const pty = sendConsole(consoleFd, proc.consoleSize);
      makeControllingTerminal(sys, pty.slave);
      if (pty.slave > 2) closeSync(pty.slave);
    });
  }
  // rlimits, oom_score_adj, I/O priority, scheduler; no sysctls or personality (those
  // belong to the container, set up by its init).
  step('process attributes', () => applyEarlyAttributes(sys, proc, undefined, { warn, oomScoreAdjSet: !!config.oomScoreAdjSet }));
  const env = containerEnv(proc.env, proc.uid);
  const path = step('look up executable', () => resolveExecutable(proc.args[0] ?? '', env, proc.cwd));
  // Node's threads end at execve: only now may they count against pids.max.
  const pidsJoin = slotFd('pidsJoin', io.argv);
  if (pidsJoin !== undefined) step('join pids cgroup', () => sys.joinCgroup(pidsJoin, 'the pids cgroup'));

  step('exec labels', () => applyExecLabels(proc));
  if (proc.noNewPrivileges) step('no_new_privs', () => setNoNewPrivileges(sys));
  step('umask', () => applyUmask(sys, proc));
  step('fd sweep', () => sweepFds(sys, config.preserveFds));
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the drop.
  if (seccomp && !proc.noNewPrivileges) step('load seccomp filter', () => sys.loadSeccomp(seccomp));
  // Stdio is the container user's only when it is not the caller's own.
  step('drop privileges', () => dropPrivileges(sys, proc, { warn, chownStdio: config.chownStdio ? undefined : [] }));
  // As late as possible, so that the filter sees as few of the init's own syscalls as can be.
  if (seccomp && proc.noNewPrivileges) step('load seccomp filter', () => sys.loadSeccomp(seccomp));
  sys.resetSignals(io.ignoredSignals);
  channel.send({ type: 'ready' });
  return sys.execve(path, proc.args, env);
}
