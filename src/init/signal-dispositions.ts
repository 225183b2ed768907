// Node ignores SIGPIPE and SIGXFSZ for itself, and an ignored signal stays ignored
// across execve: a program started from a Node process must get them back at their
// defaults, as it would from any other runtime. The same goes for whatever the
// runtime's caller ignored that Node does not reset at start-up (libuv and Node only
// reset signals 1-31), including glibc's reserved 32 and 33. Handled signals need
// nothing: execve resets those. The inits note them here and reset them with
// Sys.resetSignals just before execve.
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';

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
