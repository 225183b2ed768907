// What create and exec share about the process they start: runc's rules for a
// terminal and a console socket, the preserved fds, and the messages every init
// (container init or exec init) may send.
import { fstatSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InitMessage, SyncChannel } from '../init/sync.js';

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
      throw new RuntimeError(`unable to stat preserved-fd ${fd - 3} (of ${count}): ${(err as NodeJS.ErrnoException).code}`);
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

/**
 * Waits until a freshly spawned init has loaded (its `booted`). The runtime puts it
 * into the container's cgroup only then: memory is charged to the cgroup a process is
 * in when it touches a page, so Node's own start-up stays out of the container's
 * memory limit (runc's init is a few MB; Node's start-up alone would be more than a
 * 6 MB limit allows).
 */
export async function awaitBooted(log: Logger, sync: SyncChannel, what: string, exited: Promise<unknown>): Promise<void> {
  for (;;) {
    const msg = sync.receive<InitMessage>();
    if (!msg) return initVanished(what, exited);
    if (handleInitMessage(log, msg)) continue;
    if (msg.type === 'booted') return;
    throw new RuntimeError(`${what}: unexpected message ${msg.type}`);
  }
}

/** The init closed the channel without a word: let it be reaped, then fail. */
export async function initVanished(what: string, exited: Promise<unknown>): Promise<never> {
  await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
  throw new RuntimeError(`${what} exited unexpectedly`);
}
