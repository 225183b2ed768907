// A container's new user namespace, and the launcher that starts its init inside it.
// Node and Bun are multi-threaded, and a threaded process can neither unshare a user
// namespace nor setns into one (EINVAL); util-linux's unshare and nsenter are
// single-threaded and do it instead. The holder is `unshare --user` running `cat`:
// its first line says the namespace exists, the runtime then writes its maps
// (src/runtime/launch/id-maps.ts), and the init is started through
// `nsenter --user=/proc/<holder>/ns/user` (src/runtime/launch/launcher.ts), as uid 0
// of the namespace with its full capabilities. A new PID namespace must be owned by
// the user namespace, or the container cannot mount its /proc, and only the process
// that unshares it can start its PID 1: so `unshare --pid --fork` runs inside the user
// namespace and forks the init (src/runtime/launch/adopted-init.ts takes it over). The holder is stopped
// once the init is in the namespace, which then keeps it alive; it also ends by
// itself when the runtime does (its stdin closes).
import { spawn } from 'node:child_process';
import { RuntimeError } from '../../errors.js';
import { findHostProgram, HOST_PROGRAM_DIRS } from './host-programs.js';
import { settleWithin } from '../../sleep.js';
import { markInheritedFdsCloseOnExec } from './inherited-fds.js';
import { killInit } from './kill-init.js';

/** How long `unshare --user` may take to say it runs. */
const HOLDER_TIMEOUT_MS = 10_000;

export interface UserNamespaceHolder {
  pid: number;
  /** `/proc/<pid>/ns/user`: what nsenter enters. */
  nsPath: string;
  /** SIGKILLs the holder and waits until it is reaped. */
  stop(): Promise<void>;
}

/** The absolute path of a util-linux program. */
export function utilLinuxProgram(name: 'unshare' | 'nsenter' | 'setpriv' | 'choom', dirs: readonly string[] = HOST_PROGRAM_DIRS): string {
  return findHostProgram(name, dirs, "user and time namespaces need util-linux's");
}

/** Starts a process in a new user namespace (no maps yet) and returns once the namespace exists. */
export async function startUserNamespaceHolder(): Promise<UserNamespaceHolder> {
  markInheritedFdsCloseOnExec();
  const child = spawn(utilLinuxProgram('unshare'), ['--user', '--', '/bin/sh', '-c', 'echo ready; exec cat'], {
    stdio: ['pipe', 'pipe', 'pipe'], env: {},
  });
  const stop = () => killInit(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('ready\n')) resolve();
    });
    child.once('error', (err) => reject(new RuntimeError(`unable to make the user namespace: spawn unshare --user: ${err.message}`)));
    child.once('exit', (code, signal) => {
      // stderr may still be arriving: give it a moment so the message says why.
      void settleWithin(new Promise((res) => child.stderr.once('end', res)), 100).then(() => reject(new RuntimeError(
        `unable to make the user namespace: unshare --user exited (${signal ?? `status ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`,
      )));
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RuntimeError(`unable to make the user namespace: unshare --user did not start within ${HOLDER_TIMEOUT_MS} ms`)), HOLDER_TIMEOUT_MS);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const pid = child.pid!;
  return { pid, nsPath: `/proc/${pid}/ns/user`, stop };
}

