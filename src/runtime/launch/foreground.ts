// What a foreground `run` and `exec` share while they wait for their process.
import type { ChildProcess } from 'node:child_process';
import { constants as osc } from 'node:os';

/** Signals a foreground run or exec passes on to its process (as runc does). */
export const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGTSTP', 'SIGALRM', 'SIGPIPE'];

/** Passes the FORWARDED signals we receive on to `pid`; the returned function stops it. */
export function forwardSignals(pid: number): () => void {
  const forward = (sig: NodeJS.Signals) => {
    try { process.kill(pid, sig); } catch { /* gone */ }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  return () => {
    for (const sig of FORWARDED) process.off(sig, forward);
  };
}

/** The child's exit status once it exits: its code, or 128+signal when it was killed. */
export function exitStatus(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? osc.signals[signal] : 0)));
  });
}
