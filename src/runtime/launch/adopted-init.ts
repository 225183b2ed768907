// An init started through `unshare --pid --fork` (src/runtime/launch/userns-holder.ts)
// is that intermediate's child, and the intermediate reports the init's signal deaths
// as exits and passes no signal on. So once the init has booted, the runtime (a child
// subreaper) SIGKILLs the intermediate and the kernel hands the init over to it: from
// then on the runtime signals and waits for the init itself. Neither Node nor Bun
// knows such a child; its end is noticed on SIGCHLD and reaped with waitpid.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { waitpidNoHang } from '../../../ffi/libc.js';
import { PR_SET_CHILD_SUBREAPER } from '../../../ffi/constants.js';
import { RuntimeError, fromNodeError } from '../../errors.js';
import { linuxSys } from '../../syscall/linux.js';
import { settleWithin } from '../../sleep.js';
import { killInit } from './kill-init.js';

/** Orphans of our children become ours (and not the host's PID 1's). */
export function becomeChildSubreaper(): void {
  linuxSys.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 'PR_SET_CHILD_SUBREAPER');
}

/** The one child `pid` has forked (`procRoot` is /proc but in tests). */
export function forkedChild(pid: number, procRoot = '/proc'): number {
  const path = `${procRoot}/${pid}/task/${pid}/children`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fromNodeError(err, 'read', path);
  }
  const pids = text.split(' ').filter((s) => s.trim() !== '').map(Number);
  if (pids.length !== 1 || !(pids[0]! > 0)) throw new RuntimeError(`expected one child of pid ${pid} in ${path}, found ${JSON.stringify(text.trim())}`);
  return pids[0]!;
}

/**
 * Takes the init over from the intermediate that forked it: SIGKILLs the intermediate
 * and waits for its end, after which the init is our child. Returns the init's pid.
 */
export async function adoptForkedInit(intermediate: ChildProcess): Promise<number> {
  const pid = intermediate.pid;
  if (!pid) throw new RuntimeError('unable to start container init');
  const init = forkedChild(pid);
  await killInit(intermediate);
  return init;
}

/** The status of a wait: the exit code, or 128+signal when it was killed. */
export function exitCodeOfWaitStatus(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}

/** Resolves with the adopted child's exit status (code, or 128+signal) once it has ended, and reaps it. */
export function waitForAdopted(pid: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    // A signal listener does not keep the event loop alive; this timer does, for as long as we wait.
    const keepAlive = setInterval(() => check(), 60_000);
    const done = () => {
      process.off('SIGCHLD', check);
      clearInterval(keepAlive);
    };
    const check = () => {
      let status: number | undefined;
      try {
        status = waitpidNoHang(pid);
      } catch (err) {
        done();
        reject(err);
        return;
      }
      if (status === undefined) return;
      done();
      resolve(exitCodeOfWaitStatus(status));
    };
    process.on('SIGCHLD', check);
    check();
  });
}

/** SIGKILLs an adopted child and waits (at most `ms`) until it is reaped. */
export async function killAdopted(pid: number, ms = 5000): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch { /* already gone */ }
  await settleWithin(waitForAdopted(pid), ms);
}
