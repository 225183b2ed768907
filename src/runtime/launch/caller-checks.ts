// What create and exec check of their caller's request before starting anything:
// runc's rules for a terminal and a console socket, and the preserved fds.
import { fstatSync } from 'node:fs';
import { RuntimeError, describeErrno } from '../../errors.js';

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
