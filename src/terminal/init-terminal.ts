// The init side of a terminal: a pty from the container's /dev/ptmx (so it belongs
// to the container's devpts), its master sent over the console socket, our copies of
// the master and the socket closed. The caller keeps the slave.
import { closeSync } from 'node:fs';
import { sendConsoleFd } from './console-socket.js';
import { openPty, type ConsoleSize } from './pty.js';

export function sendConsole(consoleFd: number, consoleSize?: ConsoleSize): { slave: number; slavePath: string } {
  const pty = openPty('/dev/ptmx', consoleSize);
  // runc names the fd /dev/ptmx in the message; receivers only take the fd.
  sendConsoleFd(consoleFd, pty.master, '/dev/ptmx');
  closeSync(pty.master);
  closeSync(consoleFd);
  return { slave: pty.slave, slavePath: pty.slavePath };
}
