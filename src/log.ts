// The runtime's log, in runc's (logrus) formats: text `time="..." level=error msg="..."`
// or JSON lines `{"level":...,"msg":...,"time":...}` (keys sorted, RFC3339 time),
// appended to --log or written to stderr. containerd's shim and Podman parse these.
import { closeSync, openSync, readlinkSync, writeSync, constants as fsc } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';
export type LogFormat = 'text' | 'json';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3, fatal: 4 };

export interface LogOptions { path?: string; format?: LogFormat; debug?: boolean }

const UTC_ZONES = /^:?(?:Etc\/)?(?:UTC|UCT|GMT|Zulu|Universal|Greenwich)0?$/;

let utc: boolean | undefined;

/**
 * Whether the local zone is UTC, the common case for servers and engines, decided
 * without the engine's time-zone lookup (which costs milliseconds at every start):
 * TZ names UTC or is empty, or /etc/localtime is missing (Go's UTC) or links to UTC.
 */
export function localZoneIsUtc(env: NodeJS.ProcessEnv = process.env, localtime = '/etc/localtime'): boolean {
  const tz = env.TZ;
  if (tz !== undefined) return tz === '' || UTC_ZONES.test(tz);
  try {
    return UTC_ZONES.test(readlinkSync(localtime).replace(/^.*zoneinfo\//, ''));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** RFC3339 with seconds, in UTC when the local zone is UTC (as Go prints it). */
export function rfc3339(d = new Date()): string {
  utc ??= localZoneIsUtc();
  const off = utc ? 0 : -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const sign = off > 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function quoteText(s: string): string {
  return /^[A-Za-z0-9_.\-/:@]+$/.test(s) ? s : JSON.stringify(s);
}

/** Go's JSON encoder escapes <, > and & (HTML-safe); logrus keeps that. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

export class Logger {
  readonly format: LogFormat;
  readonly level: LogLevel;
  readonly toFile: boolean;
  private fd: number;

  constructor(opts: LogOptions = {}) {
    this.format = opts.format ?? 'text';
    this.level = opts.debug ? 'debug' : 'info';
    this.toFile = !!opts.path;
    // O_SYNC|O_APPEND like runc: several invocations share one log file.
    this.fd = opts.path ? openSync(opts.path, fsc.O_CREAT | fsc.O_WRONLY | fsc.O_APPEND | fsc.O_SYNC, 0o644) : 2;
  }

  enabled(level: LogLevel): boolean {
    return rank[level] >= rank[this.level];
  }

  log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const time = rfc3339();
    let line: string;
    if (this.format === 'json') {
      const entry: Record<string, unknown> = { ...fields, level, msg, time };
      const sorted = Object.fromEntries(Object.keys(entry).sort().map((k) => [k, entry[k]]));
      line = goJson(sorted);
    } else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${quoteText(String(v))}`).join('');
      line = `time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra}`;
    }
    try {
      writeSync(this.fd, `${line}\n`);
    } catch {
      // A log that cannot be written must not turn a success into a failure.
    }
  }

  debug(msg: string, fields?: Record<string, unknown>): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: Record<string, unknown>): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.log('warning', msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.log('error', msg, fields); }

  /**
   * runc's fatal(): the error goes to the log, and when the log is a file the
   * plain message also goes to stderr so a person sees it.
   */
  fatal(msg: string): void {
    this.error(msg);
    if (this.toFile) {
      try { writeSync(2, `${msg}\n`); } catch { /* stderr closed */ }
    }
  }

  /** Runs fn, logging its name and duration at debug level (used by --debug). */
  step<T>(name: string, fn: () => T): T {
    if (!this.enabled('debug')) return fn();
    const t0 = process.hrtime.bigint();
    try {
      return fn();
    } finally {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      this.debug(name, { duration: `${ms.toFixed(3)}ms` });
    }
  }

  close(): void {
    if (this.fd > 2) closeSync(this.fd);
    this.fd = 2;
  }
}

/** A logger that drops everything (library default). */
export const silentLogger = new Logger({ format: 'text' });
Object.defineProperty(silentLogger, 'level', { value: 'fatal' });
