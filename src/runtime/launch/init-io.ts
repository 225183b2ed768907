// What create and exec share about the process they start: runc's rules for a
// terminal and a console socket, the preserved fds, and the messages every init
// (container init or exec init) may send.
import { fstatSync } from 'node:fs';
import { RuntimeError, describeErrno } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { InitMessage, SyncChannel } from '../../init/sync.js';
import type { CgroupManager } from '../../cgroups/index.js';
import type { LinuxResources } from '../../generated/config.js';

/** runc's checkTerminal: a detached terminal needs a console socket, and only it may have one. */
export function checkTerminalFlags(terminal: boolean, detached: boolean, consoleSocket: string | undefined): void {
  if (terminal && detached && !consoleSocket) {
    throw new RuntimeError('cannot allocate tty if runc will detach without setting console socket');
  }
  if (consoleSocket && !(terminal && detached)) {
    throw new RuntimeError('cannot use console socket if runc will not detach or allocate tty');
  }
}

/** Every fd from 3 that is to be handed over must exist. */
export function checkPreservedFds(count: number): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    try {
      fstatSync(fd);
    } catch (err) {
      throw new RuntimeError(`unable to stat preserved-fd ${fd - 3} (of ${count}): ${describeErrno(String((err as NodeJS.ErrnoException).code))}`);
    }
  }
}

/**
 * Handles what any init may send at any time: a log line is forwarded, an error is
 * thrown. Returns false for the messages the caller's own protocol handles.
 */
export function handleInitMessage(log: Logger, msg: InitMessage): boolean {
  switch (msg.type) {
    case 'log':
      log.log(msg.level, msg.msg, msg.fields);
      return true;
    case 'error':
      throw new RuntimeError(`unable to start container process: ${msg.error.message}`);
    default:
      return false;
  }
}

/** How long a fresh init may take to load Node before create or exec gives up on it. */
export const BOOT_TIMEOUT_MS = 60_000;

/**
 * Puts a freshly spawned init (container init or exec init) into the container's
 * cgroup and waits until Node has loaded (its `booted`). Memory is charged to the
 * cgroup a process is in when it touches a page, and Node's start-up alone is more
 * than a small limit allows (Docker's minimum is 6 MB; runc's init needs a few MB).
 * Node also starts several threads, each one a task for pids.max, and a start-up
 * whose thread creation fails hangs. So when the container's memory or (on cgroup2,
 * where one directory holds both) its pids are limited, the init joins the memory
 * cgroup only once it has loaded; otherwise it joins everything at once, which
 * overlaps with Node's start-up (each cgroup move may wait for an RCU grace period).
 * Into a frozen cgroup (exec into a paused container) it moves only once it has
 * loaded, or it would never say so. Directories in `except` are left to the init
 * (the v1 pids hierarchy, which it joins just before execve: src/cgroups/self-join.ts).
 * The wait for `booted` is bounded: an init that cannot start fails the command.
 */
export async function joinCgroupAroundBoot(
  log: Logger, cg: CgroupManager, pid: number, sync: SyncChannel,
  container: { resources: LinuxResources | undefined; frozen: boolean; except?: readonly string[] },
  what: string, exited: Promise<unknown>,
): Promise<void> {
  const { resources, frozen, except = [] } = container;
  const memory = resources?.memory;
  const memoryLimited = memory !== undefined && [memory.limit, memory.reservation, memory.swap].some((v) => v !== undefined && v >= 0);
  const pids = resources?.pids?.limit;
  const pidsLimited = cg.mode === 'unified' && pids !== undefined && pids > 0;
  const limited = memoryLimited || pidsLimited;
  const before = frozen ? undefined : limited ? 'all but memory' : 'all';
  const after = frozen ? 'all' : limited ? 'memory' : undefined;
  if (before) log.step(`cgroup add ${what}`, () => cg.addProcess(pid, before, except));
  for (;;) {
    const msg = sync.receive<InitMessage>(BOOT_TIMEOUT_MS, `the ${what} to start`);
    if (!msg) return initVanished(what, exited);
    if (handleInitMessage(log, msg)) continue;
    if (msg.type === 'booted') break;
    throw new RuntimeError(`${what}: unexpected message ${msg.type}`);
  }
  if (after) log.step(`cgroup add ${what} (${after === 'all' ? 'frozen' : 'memory'})`, () => cg.addProcess(pid, after, except));
}

/** The init closed the channel without a word: let it be reaped, then fail. */
export async function initVanished(what: string, exited: Promise<unknown>): Promise<never> {
  await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  throw new RuntimeError(`${what} exited unexpectedly`);
}
