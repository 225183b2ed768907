/**
 * Statistics of a cgroup v2 container (one directory), mapped onto the v1-shaped record the way runc 1.1's
 * `fs2` driver does: cpu.stat microseconds become nanoseconds, io.stat becomes the v1 blkio tables, swap is
 * reported as memory+swap like v1's memsw, memory.stat's `file` is the cache.
 *
 * As in runc, a controller whose files are missing (not enabled for this cgroup) is skipped; other failures of
 * the individual controllers are collected and reported together.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { parsePidList, readCgroupFile } from '../files.js';
import {
  type BlkioEntry,
  type CgroupStats,
  MAX_UINT64,
  type MemoryData,
  emptyMemoryData,
  emptyStats,
  hugePageSizes,
  isNotFound,
  parseKeyedFile,
  parseUint,
  readKeyedFile,
  readOptional,
  readUint,
} from '../stats.js';

export interface V2StatsOptions {
  /** Where the kernel lists huge page sizes (tests point it at a fake). */
  hugePagesDir?: string;
}

export function readV2Stats(fs: CgroupFs, dir: string, options: V2StatsOptions = {}): CgroupStats {
  const stats = emptyStats();
  const errors: CgroupError[] = [];
  const attempt = (read: () => void, missingIsFine: boolean): void => {
    try {
      read();
    } catch (err) {
      if (missingIsFine && isNotFound(err)) return;
      if (!(err instanceof CgroupError)) throw err;
      errors.push(err);
    }
  };
  attempt(() => readPids(fs, dir, stats), false);
  attempt(() => readMemory(fs, dir, stats), true);
  attempt(() => readIo(fs, dir, stats), true);
  attempt(() => readCpu(fs, dir, stats), true);
  attempt(() => readHugetlb(fs, dir, stats, options.hugePagesDir), true);
  if (errors.length > 0) {
    throw new CgroupError(`error while statting cgroup v2: ${errors.map((e) => e.message).join('; ')}`, {
      code: errors[0]!.code,
      op: errors[0]!.op,
      path: errors[0]!.path,
      cause: errors,
    });
  }
  return stats;
}

/** OOM kills so far (`oom_kill` of memory.events), or undefined without the memory controller. */
export function readV2OomKillCount(fs: CgroupFs, dir: string): bigint | undefined {
  const text = readOptional(fs, dir, 'memory.events');
  if (text === undefined) return undefined;
  return parseKeyedFile(text, path.join(dir, 'memory.events')).get('oom_kill');
}

function readPids(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  let current: bigint;
  try {
    current = readUint(fs, dir, 'pids.current');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    // Without the pids controller, count the members instead (no limit then).
    stats.pids.current = BigInt(parsePidList(readCgroupFile(fs, dir, 'cgroup.procs')).length);
    stats.pids.limit = 0n;
    return;
  }
  const max = readCgroupFile(fs, dir, 'pids.max').trim();
  stats.pids.current = current;
  stats.pids.limit = max === 'max' ? 0n : parseUint(max, path.join(dir, 'pids.max'));
}

/** `memory.<family>.current` and `.max`; v2 has no max usage or failure counter in these files. */
function readMemoryData(fs: CgroupFs, dir: string, family: string): MemoryData {
  const prefix = family === '' ? 'memory' : `memory.${family}`;
  let usage: bigint;
  try {
    usage = readUint(fs, dir, `${prefix}.current`);
  } catch (err) {
    // No swap accounting (CONFIG_MEMCG_SWAP off or swapaccount=0).
    if (family !== '' && isNotFound(err)) return emptyMemoryData();
    throw err;
  }
  return { ...emptyMemoryData(), usage, limit: readUint(fs, dir, `${prefix}.max`) };
}

function readMemory(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const m = stats.memory;
  m.stat = readKeyedFile(fs, dir, 'memory.stat');
  m.cache = m.stat.get('file') ?? 0n;
  m.useHierarchy = true;
  m.usage = readMemoryData(fs, dir, '');
  const swap = readMemoryData(fs, dir, 'swap');
  // v1 reports swap as memory+swap; so does runc on v2, with uint64 wrap-around as in Go.
  swap.usage = (swap.usage + m.usage.usage) & MAX_UINT64;
  if (swap.limit !== MAX_UINT64) swap.limit = (swap.limit + m.usage.limit) & MAX_UINT64;
  m.swap = swap;
}

/** io.stat's byte and operation counters, as v1's io_service_bytes and io_serviced tables. */
const IO_KEYS: Record<string, ['ioServiceBytesRecursive' | 'ioServicedRecursive', string]> = {
  rbytes: ['ioServiceBytesRecursive', 'Read'],
  wbytes: ['ioServiceBytesRecursive', 'Write'],
  rios: ['ioServicedRecursive', 'Read'],
  wios: ['ioServicedRecursive', 'Write'],
};

function readIo(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const file = path.join(dir, 'io.stat');
  for (const line of readCgroupFile(fs, dir, 'io.stat').split('\n')) {
    const [device, ...items] = line.trim().split(/\s+/);
    if (device === undefined || items.length === 0) continue;
    const dev = device.split(':');
    if (dev.length !== 2) continue;
    const major = parseUint(dev[0]!, file);
    const minor = parseUint(dev[1]!, file);
    for (const item of items) {
      const kv = item.split('=');
      if (kv.length !== 2) continue;
      const target = IO_KEYS[kv[0]!];
      if (target === undefined) continue; // dbytes, dios…: no v1 equivalent
      const entry: BlkioEntry = { major, minor, op: target[1], value: parseUint(kv[1]!, file) };
      stats.blkio[target[0]].push(entry);
    }
  }
}

function readCpu(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const { usage, throttling } = stats.cpu;
  for (const [key, value] of readKeyedFile(fs, dir, 'cpu.stat')) {
    if (key === 'usage_usec') usage.total = value * 1000n;
    else if (key === 'user_usec') usage.user = value * 1000n;
    else if (key === 'system_usec') usage.kernel = value * 1000n;
    else if (key === 'nr_periods') throttling.periods = value;
    else if (key === 'nr_throttled') throttling.throttledPeriods = value;
    else if (key === 'throttled_usec') throttling.throttledTime = value * 1000n;
  }
}

function readHugetlb(fs: CgroupFs, dir: string, stats: CgroupStats, hugePagesDir?: string): void {
  for (const size of hugePageSizes(fs, hugePagesDir)) {
    const usage = readUint(fs, dir, `hugetlb.${size}.current`);
    const events = readKeyedFile(fs, dir, `hugetlb.${size}.events`);
    const failcnt = events.get('max');
    if (failcnt === undefined) {
      const file = path.join(dir, `hugetlb.${size}.events`);
      throw new CgroupError(`parse ${file}: no "max" key`, { op: 'parse', path: file });
    }
    stats.hugetlb.set(size, { usage, maxUsage: 0n, failcnt });
  }
}
