// `events`: a container's resource statistics and OOM notifications as JSON lines, the way runc 1.1 prints them
// (`{"type":"stats","id":…,"data":{…}}` / `{"type":"oom","id":…}`), once (--stats) or as a stream.
//
// runc learns of OOMs from an eventfd on memory.oom_control (v1) or inotify on memory.events (v2). We poll the
// kernel's OOM kill counter instead (v1 `oom_kill` in memory.oom_control, v2 `oom_kill` in memory.events) every
// OOM_POLL_MS (or every interval, if shorter) and print one `oom` event for each poll that saw it rise: no FFI
// and no extra thread, at the cost of a delay of at most one poll. An OOM that froze the cgroup without
// killing (oom_kill_disable) is therefore not reported.
//
// The stream ends when runc's would: on cgroup v1 when the container's cgroup is removed (`delete`; a killed
// but not deleted container keeps streaming, its counters at zero), on cgroup v2 when no process is left.
import { loadCgroupManager, type CgroupManager } from '../../cgroups/index.js';
import type { BlkioEntry, CgroupStats, MemoryData } from '../../cgroups/stats.js';
import { RuntimeError, errorMessage } from '../../errors.js';
import { withContainer } from '../shared/container.js';
import type { RuntimeContext } from '../shared/context.js';

/** How often the stream looks for OOM kills and for the end of the container, at most. */
export const OOM_POLL_MS = 100;

const DURATION_UNITS_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * A Go duration (`5s`, `200ms`, `1h2m3.5s`, `-1s`, `0`) in milliseconds, or undefined when `text` is not one
 * (Go's time.ParseDuration rules: every number needs a unit, except a lone `0`).
 */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/s.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2]!;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let ns = 0;
  const part = /([0-9]*(?:\.[0-9]*)?)([^0-9.]+)/y;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    const [whole, number, unit] = p;
    if (number === '' || number === '.' || DURATION_UNITS_NS[unit!] === undefined) return undefined;
    ns += Number(number) * DURATION_UNITS_NS[unit!]!;
    at += whole.length;
  }
  return (sign * ns) / 1e6;
}

// ---- runc's JSON shape -------------------------------------------------------------------------------------

/** A JSON value that may hold bigints; `undefined` object members are left out (Go's omitempty). */
type Json = string | number | bigint | boolean | null | undefined | Json[] | { [key: string]: Json };

const nonZero = (v: bigint): bigint | undefined => (v === 0n ? undefined : v);
const nonEmpty = <T>(a: T[]): T[] | undefined => (a.length === 0 ? undefined : a);

function memoryEntry(d: MemoryData): Json {
  return { limit: d.limit, usage: nonZero(d.usage), max: nonZero(d.maxUsage), failcnt: d.failcnt };
}

function blkioEntries(entries: BlkioEntry[]): Json {
  return nonEmpty(
    entries.map((e) => ({ major: nonZero(e.major), minor: nonZero(e.minor), op: e.op || undefined, value: nonZero(e.value) })),
  );
}

/** Go encodes maps with their keys sorted. */
function sortedObject<V>(map: Map<string, V>, value: (v: V) => Json): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const key of [...map.keys()].sort()) out[key] = value(map.get(key)!);
  return out;
}

/**
 * The `data` of a stats event: runc 1.1's types.Stats, field for field and in its order. Structs are always
 * present, zero counters and empty lists mostly left out; intel_rdt is empty and network_interfaces null as
 * for every container created from a bundle (runc only fills them for Intel RDT groups and its own veth setup).
 */
export function statsEventData(s: CgroupStats): Json {
  const { usage, throttling } = s.cpu;
  const c = s.cpuset;
  const m = s.memory;
  const b = s.blkio;
  return {
    cpu: {
      usage: {
        total: nonZero(usage.total),
        percpu: nonEmpty(usage.percpu),
        percpu_kernel: nonEmpty(usage.percpuKernel),
        percpu_user: nonEmpty(usage.percpuUser),
        kernel: usage.kernel,
        user: usage.user,
      },
      throttling: {
        periods: nonZero(throttling.periods),
        throttledPeriods: nonZero(throttling.throttledPeriods),
        throttledTime: nonZero(throttling.throttledTime),
      },
    },
    cpuset: {
      cpus: nonEmpty(c.cpus),
      cpu_exclusive: c.cpuExclusive,
      mems: nonEmpty(c.mems),
      mem_hardwall: c.memHardwall,
      mem_exclusive: c.memExclusive,
      memory_migrate: c.memoryMigrate,
      memory_spread_page: c.memorySpreadPage,
      memory_spread_slab: c.memorySpreadSlab,
      memory_pressure: c.memoryPressure,
      sched_load_balance: c.schedLoadBalance,
      sched_relax_domain_level: c.schedRelaxDomainLevel,
    },
    memory: {
      cache: nonZero(m.cache),
      usage: memoryEntry(m.usage),
      swap: memoryEntry(m.swap),
      kernel: memoryEntry(m.kernel),
      kernelTCP: memoryEntry(m.kernelTcp),
      raw: m.stat.size === 0 ? undefined : sortedObject(m.stat, (v) => v),
    },
    pids: { current: nonZero(s.pids.current), limit: nonZero(s.pids.limit) },
    blkio: {
      ioServiceBytesRecursive: blkioEntries(b.ioServiceBytesRecursive),
      ioServicedRecursive: blkioEntries(b.ioServicedRecursive),
      ioQueueRecursive: blkioEntries(b.ioQueuedRecursive),
      ioServiceTimeRecursive: blkioEntries(b.ioServiceTimeRecursive),
      ioWaitTimeRecursive: blkioEntries(b.ioWaitTimeRecursive),
      ioMergedRecursive: blkioEntries(b.ioMergedRecursive),
      ioTimeRecursive: blkioEntries(b.ioTimeRecursive),
      sectorsRecursive: blkioEntries(b.sectorsRecursive),
    },
    hugetlb: sortedObject(s.hugetlb, (h) => ({ usage: nonZero(h.usage), max: nonZero(h.maxUsage), failcnt: h.failcnt })),
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** Go's encoding/json string escaping: JSON's, plus <, >, & and the two line separators as \u escapes. */
function encodeString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Compact JSON like Go's encoder: bigints as exact integers, undefined members left out. */
export function encodeJson(value: Json): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return encodeString(value);
  if (Array.isArray(value)) return `[${value.map(encodeJson).join(',')}]`;
  const members = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeString(k)}:${encodeJson(v)}`);
  return `{${members.join(',')}}`;
}

/** One event line (with its newline): `{"type":…,"id":…}` plus `data` when given. */
export function eventLine(type: 'stats' | 'oom', id: string, data?: Json): string {
  return `${encodeJson({ type, id, data })}\n`;
}

// ---- the command ---------------------------------------------------------------------------------------------

/**
 * The container's cgroup manager, after runc's checks: the container exists, the interval is positive (checked
 * after the lookup, as runc does) and the container is not stopped. The lock is held only for this; the stream
 * must not keep `delete` waiting.
 */
async function openForEvents(ctx: RuntimeContext, id: string, intervalMs: number): Promise<CgroupManager> {
  return withContainer(ctx, id, (c) => {
    if (!(intervalMs > 0)) throw new RuntimeError('duration interval must be greater than 0');
    if (c.status === 'stopped') throw new RuntimeError(`container with id ${c.record.id} is not running`);
    return loadCgroupManager(c.record.cgroup);
  });
}

/** `events --stats`: the one stats line. */
export async function statsEvent(ctx: RuntimeContext, id: string, intervalMs: number): Promise<string> {
  const manager = await openForEvents(ctx, id, intervalMs);
  return eventLine('stats', id, statsEventData(manager.stats()));
}

export interface StreamOptions {
  /** Receives each line; returning false ends the stream (the reader went away). */
  write(line: string): boolean;
  /** Ends the stream early (tests). */
  signal?: AbortSignal;
}

/** `events`: stats every interval and OOM events as they happen, until the container's cgroup goes. */
export async function streamEvents(ctx: RuntimeContext, id: string, intervalMs: number, opts: StreamOptions): Promise<void> {
  const manager = await openForEvents(ctx, id, intervalMs);
  const oomCount = (): bigint | undefined => {
    try {
      return manager.oomKillCount();
    } catch {
      return undefined; // the cgroup is going away; the end check below sees it
    }
  };
  let lastOom = oomCount();

  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(statsTimer);
      clearInterval(watchTimer);
      opts.signal?.removeEventListener('abort', finish);
      resolve();
    };
    const emit = (line: string): void => {
      if (!done && !opts.write(line)) finish();
    };
    const statsTimer = setInterval(() => {
      let stats: CgroupStats;
      try {
        stats = manager.stats();
      } catch (err) {
        ctx.log.error(errorMessage(err)); // as runc: report and keep going
        return;
      }
      emit(eventLine('stats', id, statsEventData(stats)));
    }, Math.max(1, intervalMs));
    const watchTimer = setInterval(() => {
      const now = oomCount();
      if (now !== undefined && lastOom !== undefined && now > lastOom) emit(eventLine('oom', id));
      if (now !== undefined) lastOom = now;
      let gone: boolean;
      try {
        gone = manager.hasEnded();
      } catch (err) {
        ctx.log.error(errorMessage(err));
        gone = true;
      }
      if (gone) finish();
    }, Math.max(1, Math.min(intervalMs, OOM_POLL_MS)));
    if (opts.signal?.aborted) finish();
    else opts.signal?.addEventListener('abort', finish);
  });
}
