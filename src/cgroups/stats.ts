/**
 * Cgroup statistics as the readers return them (the v1 readers in v1/stats.ts, v2 in v2/stats.ts), plus the
 * parsing rules both share.
 *
 * Counters are `bigint`: cgroup files hold unsigned 64-bit values ("no limit" is 9223372036854771712 on v1 and
 * 2^64-1 on v2) that a JS number would round. The shape follows what runc's `events` reports; runtime/operations/events.ts
 * turns it into runc's JSON (field names, omitted zero fields).
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from './cgroup-fs.js';
import { CgroupError, errnoCode } from './errors.js';
import { readCgroupFile } from './files.js';

/** What a `max` in a cgroup file stands for, as runc reads it (math.MaxUint64). */
export const MAX_UINT64 = (1n << 64n) - 1n;

export interface CpuUsage {
  /** Nanoseconds, all CPUs. */
  total: bigint;
  percpu: bigint[];
  percpuKernel: bigint[];
  percpuUser: bigint[];
  kernel: bigint;
  user: bigint;
}

export interface CpuThrottling {
  periods: bigint;
  throttledPeriods: bigint;
  /** Nanoseconds. */
  throttledTime: bigint;
}

export interface CpusetStats {
  cpus: number[];
  cpuExclusive: bigint;
  mems: number[];
  memHardwall: bigint;
  memExclusive: bigint;
  memoryMigrate: bigint;
  memorySpreadPage: bigint;
  memorySpreadSlab: bigint;
  memoryPressure: bigint;
  schedLoadBalance: bigint;
  /** Signed: -1 means "system default". */
  schedRelaxDomainLevel: bigint;
}

/** One memory counter family (`memory`, `memory.memsw`, `memory.kmem`, `memory.kmem.tcp`, v2 `memory.swap`). */
export interface MemoryData {
  usage: bigint;
  maxUsage: bigint;
  failcnt: bigint;
  limit: bigint;
}

export interface MemoryStats {
  /** Page cache bytes (v1 `cache`, v2 `file` from memory.stat). */
  cache: bigint;
  usage: MemoryData;
  /** v1: memory+swap (memsw); v2: swap plus memory, summed the same way for compatibility. */
  swap: MemoryData;
  kernel: MemoryData;
  kernelTcp: MemoryData;
  /** Every line of memory.stat. */
  stat: Map<string, bigint>;
  useHierarchy: boolean;
}

export interface PidsStats {
  current: bigint;
  /** 0 when unlimited (`max`). */
  limit: bigint;
}

export interface BlkioEntry {
  major: bigint;
  minor: bigint;
  /** `Read`, `Write`, `Sync`, `Async`, `Discard`, `Total`, or '' for files without an operation column. */
  op: string;
  value: bigint;
}

export interface BlkioStats {
  ioServiceBytesRecursive: BlkioEntry[];
  ioServicedRecursive: BlkioEntry[];
  ioQueuedRecursive: BlkioEntry[];
  ioServiceTimeRecursive: BlkioEntry[];
  ioWaitTimeRecursive: BlkioEntry[];
  ioMergedRecursive: BlkioEntry[];
  ioTimeRecursive: BlkioEntry[];
  sectorsRecursive: BlkioEntry[];
}

export interface HugetlbStats {
  usage: bigint;
  maxUsage: bigint;
  failcnt: bigint;
}

export interface CgroupStats {
  cpu: { usage: CpuUsage; throttling: CpuThrottling };
  cpuset: CpusetStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
  /** Page size as runc names it (`2MB`, `1GB`) → counters. */
  hugetlb: Map<string, HugetlbStats>;
}

export function emptyMemoryData(): MemoryData {
  return { usage: 0n, maxUsage: 0n, failcnt: 0n, limit: 0n };
}

export function emptyStats(): CgroupStats {
  return {
    cpu: {
      usage: { total: 0n, percpu: [], percpuKernel: [], percpuUser: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    },
    cpuset: {
      cpus: [],
      cpuExclusive: 0n,
      mems: [],
      memHardwall: 0n,
      memExclusive: 0n,
      memoryMigrate: 0n,
      memorySpreadPage: 0n,
      memorySpreadSlab: 0n,
      memoryPressure: 0n,
      schedLoadBalance: 0n,
      schedRelaxDomainLevel: 0n,
    },
    memory: {
      cache: 0n,
      usage: emptyMemoryData(),
      swap: emptyMemoryData(),
      kernel: emptyMemoryData(),
      kernelTcp: emptyMemoryData(),
      stat: new Map(),
      useHierarchy: false,
    },
    pids: { current: 0n, limit: 0n },
    blkio: {
      ioServiceBytesRecursive: [],
      ioServicedRecursive: [],
      ioQueuedRecursive: [],
      ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [],
      ioMergedRecursive: [],
      ioTimeRecursive: [],
      sectorsRecursive: [],
    },
    hugetlb: new Map(),
  };
}

function parseError(file: string, text: string, what = 'a uint'): CgroupError {
  return new CgroupError(`parse ${file}: unable to parse ${JSON.stringify(text)} as ${what}`, { op: 'parse', path: file });
}

/**
 * An unsigned counter the way runc reads one: `max` is 2^64-1, and a negative number (some kernels report
 * -1 for "unset") is 0. Anything else that is not a decimal uint64 is an error naming `file`.
 */
export function parseUint(text: string, file: string): bigint {
  const s = text.trim();
  if (s === 'max') return MAX_UINT64;
  if (/^-[0-9]+$/.test(s)) return 0n;
  if (!/^\+?[0-9]+$/.test(s)) throw parseError(file, s);
  const value = BigInt(s.replace(/^\+/, ''));
  if (value > MAX_UINT64) throw parseError(file, s);
  return value;
}

/** A signed 64-bit value (cpuset.sched_relax_domain_level). */
export function parseInt64(text: string, file: string): bigint {
  const s = text.trim();
  if (!/^[-+]?[0-9]+$/.test(s)) throw parseError(file, s, 'an int');
  return BigInt(s.replace(/^\+/, ''));
}

/** `key value` (one line of memory.stat, cpu.stat…). */
export function parseKeyValue(line: string, file: string): [string, bigint] {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 || parts[0] === '') throw parseError(file, line, 'a "key value" line');
  return [parts[0]!, parseUint(parts[1]!, file)];
}

/** Whether `err` is a missing file (or a missing cgroup directory). */
export function isNotFound(err: unknown): boolean {
  return (err instanceof CgroupError ? err.code : errnoCode(err)) === 'ENOENT';
}

/** The text of `dir/file`, or undefined when the file does not exist. */
export function readOptional(fs: CgroupFs, dir: string, file: string): string | undefined {
  try {
    return readCgroupFile(fs, dir, file);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function readUint(fs: CgroupFs, dir: string, file: string): bigint {
  return parseUint(readCgroupFile(fs, dir, file), path.join(dir, file));
}

/** A flat keyed file (`key value` lines) as a map, in file order. */
export function parseKeyedFile(text: string, file: string): Map<string, bigint> {
  const values = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [key, value] = parseKeyValue(line, file);
    values.set(key, value);
  }
  return values;
}

export function readKeyedFile(fs: CgroupFs, dir: string, file: string): Map<string, bigint> {
  return parseKeyedFile(readCgroupFile(fs, dir, file), path.join(dir, file));
}

/** Where the kernel lists the huge page sizes it supports (`hugepages-2048kB`…). */
export const HUGEPAGES_DIR = '/sys/kernel/mm/hugepages';

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/**
 * The huge page sizes as the hugetlb controller names them in its files (`2MB`, `1GB`), from the kernel's
 * `hugepages-<n>kB` directories. None when the directory is missing (no hugetlb support).
 */
export function hugePageSizes(fs: CgroupFs, dir: string = HUGEPAGES_DIR): string[] {
  let entries: string[];
  try {
    entries = fs.subdirectories(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const sizes: { bytes: number; name: string }[] = [];
  for (const entry of entries) {
    const m = /^hugepages-([0-9]+)kB$/.exec(entry);
    if (!m) continue;
    let value = Number(m[1]) * 1024;
    let unit = 0;
    while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    sizes.push({ bytes: Number(m[1]), name: `${value}${SIZE_UNITS[unit]}` });
  }
  return sizes.sort((a, b) => a.bytes - b.bytes).map((s) => s.name);
}
