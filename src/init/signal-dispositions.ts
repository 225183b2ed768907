// Node ignores SIGPIPE and SIGXFSZ for itself, and an ignored signal stays ignored
// across execve: a program started from a Node process must get them back at their
// defaults, as it would from any other runtime. Handled signals need nothing: execve
// resets those.
import { readFileSync } from 'node:fs';
import koffi from 'koffi';
import { RuntimeError, SyscallError } from '../errors.js';

// signal(2) from libc, declared here (the ffi module has no sigaction binding): the
// handler argument is SIG_DFL, 0. Bound at load, while the host's libc is reachable.
const signal = koffi.load('libc.so.6').func('intptr_t signal(int sig, intptr_t handler)') as (sig: number, handler: number) => number;

const SIG_DFL = 0;
const SIG_ERR = -1;

/** The signals ignored by this process, from the SigIgn mask of a /proc status text. */
export function ignoredSignals(statusText: string): number[] {
  const m = /^SigIgn:\s*([0-9a-fA-F]+)$/m.exec(statusText);
  if (!m) throw new RuntimeError('no SigIgn line in /proc/self/status');
  const mask = BigInt(`0x${m[1]}`);
  const out: number[] = [];
  for (let sig = 1; sig <= 64; sig++) if ((mask >> BigInt(sig - 1)) & 1n) out.push(sig);
  return out;
}

/** The signals this process ignores now (read while the host's /proc is still ours). */
export function currentlyIgnored(procStatus = '/proc/self/status'): number[] {
  return ignoredSignals(readFileSync(procStatus, 'utf8'));
}

/** Puts the given signals back to their default action (just before execve). */
export function resetSignals(signals: readonly number[]): void {
  for (const sig of signals) {
    if (Number(signal(sig, SIG_DFL)) === SIG_ERR) throw new SyscallError('signal', `${sig} SIG_DFL`, koffi.errno());
  }
}
