// Ending an init the runtime spawned, when create or exec gives up on it.
import type { ChildProcess } from 'node:child_process';
import { settleWithin } from '../../sleep.js';

/** SIGKILLs `child` unless it has exited, and waits (at most `ms`) until it is reaped. */
export async function killInit(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    child.kill('SIGKILL');
  } catch { /* already gone */ }
  await settleWithin(gone, ms);
}
