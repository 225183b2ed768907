// Parsers for /proc/<pid>/stat: the process state and its start time are what tell
// a live container init from a dead one whose pid was reused.
import { readFileSync } from 'node:fs';

export interface ProcStat { pid: number; comm: string; state: string; ppid: number; flags: number; startTime: string }

/** The kernel's per-task flag of a process that has begun to exit (include/linux/sched.h). */
const PF_EXITING = 0x4;

/** Parses the text of /proc/<pid>/stat (comm may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`malformed /proc stat: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // Fields after comm start at field 3 (state); flags is field 9, starttime field 22.
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: Number(rest[1]),
    flags: Number(rest[6]),
    startTime: rest[19] ?? '',
  };
}

export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** True when pid is alive (not a zombie) and is the same process that started at startTime. */
export function isSameLiveProcess(pid: number, startTime: string, procRoot = '/proc'): boolean {
  const st = pid > 0 ? readProcStat(pid, procRoot) : undefined;
  return !!st && isLive(st, startTime);
}

/**
 * True when the process that started at startTime is gone, a zombie, or already exiting.
 * An exiting PID-namespace init lives on (not yet a zombie) while it waits for the
 * namespace's other processes to be reaped, and the namespace takes no new process then.
 */
export function hasBegunToExit(pid: number, startTime: string, procRoot = '/proc'): boolean {
  const st = pid > 0 ? readProcStat(pid, procRoot) : undefined;
  return !st || !isLive(st, startTime) || (st.flags & PF_EXITING) !== 0;
}

function isLive(st: ProcStat, startTime: string): boolean {
  return st.state !== 'Z' && st.state !== 'X' && st.state !== 'x' && st.startTime === startTime;
}
