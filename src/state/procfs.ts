// Parsers for /proc/<pid>/stat: the process state and its start time are what tell
// a live container init from a dead one whose pid was reused.
import { readFileSync } from 'node:fs';

export interface ProcStat { pid: number; comm: string; state: string; ppid: number; startTime: string }

/** Parses the text of /proc/<pid>/stat (comm may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`malformed /proc stat: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // Fields after comm start at field 3 (state); starttime is field 22.
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: Number(rest[1]),
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
  if (!(pid > 0)) return false;
  const st = readProcStat(pid, procRoot);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  return st.startTime === startTime;
}
