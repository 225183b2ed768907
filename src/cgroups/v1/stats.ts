/**
 * Statistics of a cgroup v1 container, read from each controller's directory the way runc 1.1's `fs` driver
 * reads them (so `ocirt events` reports the same numbers as `runc events`).
 *
 * Which missing files are fine follows runc: optional kernel features (swap accounting, kmem, cpuacct.usage_all,
 * the blkio file sets of one I/O scheduler or another) are skipped; a controller directory that does not exist
 * contributes nothing; a file that exists but cannot be parsed is an error.
 */
import * as path from 'node:path/posix';

import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile } from '../files.js';
import {
  type BlkioEntry,
  type BlkioStats,
  type CgroupStats,
  type MemoryData,
  emptyMemoryData,
  emptyStats,
  hugePageSizes,
  isNotFound,
  parseInt64,
  parseKeyedFile,
  parseUint,
  readOptional,
  readUint,
} from '../stats.js';

export interface V1StatsOptions {
  /** Where the kernel lists huge page sizes (tests point it at a fake). */
  hugePagesDir?: string;
}

/** USER_HZ: cpuacct.stat counts in these ticks; Linux fixes it at 100 for user space. */
const CLOCK_TICKS = 100n;
const NS_PER_SECOND = 1_000_000_000n;

/** Read everything runc's `events` reports, from `paths` (v1 controller → directory, as the manager keeps them). */
export function readV1Stats(
  fs: CgroupFs,
  paths: Readonly<Record<string, string>>,
  options: V1StatsOptions = {},
): CgroupStats {
  const stats = emptyStats();
  if (paths.cpuset !== undefined) readCpuset(fs, paths.cpuset, stats);
  if (paths.memory !== undefined) readMemory(fs, paths.memory, stats);
  if (paths.cpu !== undefined) readCpu(fs, paths.cpu, stats);
  if (paths.cpuacct !== undefined) readCpuacct(fs, paths.cpuacct, stats);
  if (paths.pids !== undefined) readPids(fs, paths.pids, stats);
  if (paths.blkio !== undefined) readBlkio(fs, paths.blkio, stats);
  if (paths.hugetlb !== undefined) readHugetlb(fs, paths.hugetlb, stats, options.hugePagesDir);
  return stats;
}

/**
 * The OOM kills in the memory cgroup so far (`oom_kill` of memory.oom_control, kernel 4.13+), or undefined
 * when there is no such counter (no memory cgroup, or an older kernel).
 */
export function readV1OomKillCount(fs: CgroupFs, memoryDir: string): bigint | undefined {
  const text = readOptional(fs, memoryDir, 'memory.oom_control');
  if (text === undefined) return undefined;
  return parseKeyedFile(text, path.join(memoryDir, 'memory.oom_control')).get('oom_kill');
}

/** `0-3,5` → [0, 1, 2, 3, 5]; runc refuses an empty list. */
export function parseCpuList(text: string, file: string): number[] {
  const s = text.trim();
  if (s === '') throw new CgroupError(`parse ${file}: found to be empty`, { op: 'parse', path: file });
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo > 0xffff || hi > 0xffff || lo > hi) {
      throw new CgroupError(`parse ${file}: invalid cpu/mem list entry ${JSON.stringify(part)}`, { op: 'parse', path: file });
    }
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

function readCpuset(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const read = <T>(file: string, parse: (text: string, full: string) => T): T | undefined => {
    const text = readOptional(fs, dir, file);
    return text === undefined ? undefined : parse(text, path.join(dir, file));
  };
  const c = stats.cpuset;
  c.cpus = read('cpuset.cpus', parseCpuList) ?? c.cpus;
  c.cpuExclusive = read('cpuset.cpu_exclusive', parseUint) ?? c.cpuExclusive;
  c.mems = read('cpuset.mems', parseCpuList) ?? c.mems;
  c.memHardwall = read('cpuset.mem_hardwall', parseUint) ?? c.memHardwall;
  c.memExclusive = read('cpuset.mem_exclusive', parseUint) ?? c.memExclusive;
  c.memoryMigrate = read('cpuset.memory_migrate', parseUint) ?? c.memoryMigrate;
  c.memorySpreadPage = read('cpuset.memory_spread_page', parseUint) ?? c.memorySpreadPage;
  c.memorySpreadSlab = read('cpuset.memory_spread_slab', parseUint) ?? c.memorySpreadSlab;
  c.memoryPressure = read('cpuset.memory_pressure', parseUint) ?? c.memoryPressure;
  c.schedLoadBalance = read('cpuset.sched_load_balance', parseUint) ?? c.schedLoadBalance;
  c.schedRelaxDomainLevel = read('cpuset.sched_relax_domain_level', parseInt64) ?? c.schedRelaxDomainLevel;
}

/** `memory.<family>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}`; optional families may be absent. */
function readMemoryData(fs: CgroupFs, dir: string, family: string): MemoryData {
  const prefix = family === '' ? 'memory' : `memory.${family}`;
  let usage: bigint;
  try {
    usage = readUint(fs, dir, `${prefix}.usage_in_bytes`);
  } catch (err) {
    // Swap and kmem accounting are optional kernel features.
    if (family !== '' && isNotFound(err)) return emptyMemoryData();
    throw err;
  }
  return {
    usage,
    maxUsage: readUint(fs, dir, `${prefix}.max_usage_in_bytes`),
    failcnt: readUint(fs, dir, `${prefix}.failcnt`),
    limit: readUint(fs, dir, `${prefix}.limit_in_bytes`),
  };
}

function readMemory(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const statText = readOptional(fs, dir, 'memory.stat');
  if (statText === undefined) return;
  const m = stats.memory;
  m.stat = parseKeyedFile(statText, path.join(dir, 'memory.stat'));
  m.cache = m.stat.get('cache') ?? 0n;
  m.usage = readMemoryData(fs, dir, '');
  m.swap = readMemoryData(fs, dir, 'memsw');
  m.kernel = readMemoryData(fs, dir, 'kmem');
  m.kernelTcp = readMemoryData(fs, dir, 'kmem.tcp');
  m.useHierarchy = readUint(fs, dir, 'memory.use_hierarchy') === 1n;
}

function readCpu(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  const text = readOptional(fs, dir, 'cpu.stat');
  if (text === undefined) return;
  const t = stats.cpu.throttling;
  for (const [key, value] of parseKeyedFile(text, path.join(dir, 'cpu.stat'))) {
    if (key === 'nr_periods') t.periods = value;
    else if (key === 'nr_throttled') t.throttledPeriods = value;
    else if (key === 'throttled_time') t.throttledTime = value;
  }
}

function readCpuacct(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  if (!fs.isDirectory(dir)) return;
  const u = stats.cpu.usage;
  const statFile = path.join(dir, 'cpuacct.stat');
  const fields = readCgroupFile(fs, dir, 'cpuacct.stat').trim().split(/\s+/);
  if (fields.length < 4 || fields[0] !== 'user' || fields[2] !== 'system') {
    throw new CgroupError(`parse ${statFile}: expected "user <ticks>" and "system <ticks>"`, { op: 'parse', path: statFile });
  }
  u.user = (parseUint(fields[1]!, statFile) * NS_PER_SECOND) / CLOCK_TICKS;
  u.kernel = (parseUint(fields[3]!, statFile) * NS_PER_SECOND) / CLOCK_TICKS;
  u.total = readUint(fs, dir, 'cpuacct.usage');
  const percpuFile = path.join(dir, 'cpuacct.usage_percpu');
  u.percpu = readCgroupFile(fs, dir, 'cpuacct.usage_percpu')
    .split(/\s+/)
    .filter((v) => v !== '')
    .map((v) => parseUint(v, percpuFile));
  // `cpu user system` header, then one line per CPU (kernel 4.16+).
  const all = readOptional(fs, dir, 'cpuacct.usage_all');
  if (all === undefined) return;
  const allFile = path.join(dir, 'cpuacct.usage_all');
  for (const line of all.split('\n').slice(1)) {
    const cols = line.split(' ');
    if (cols.length !== 3) continue;
    u.percpuKernel.push(parseUint(cols[2]!, allFile));
    u.percpuUser.push(parseUint(cols[1]!, allFile));
  }
}

function readPids(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  if (!fs.isDirectory(dir)) return;
  stats.pids.current = readUint(fs, dir, 'pids.current');
  const max = readCgroupFile(fs, dir, 'pids.max').trim();
  stats.pids.limit = max === 'max' ? 0n : parseUint(max, path.join(dir, 'pids.max'));
}

/**
 * One blkio file: `major:minor [op] value` lines; the `Total` summary line is skipped. A missing file has no
 * entries.
 */
export function parseBlkioFile(text: string, file: string): BlkioEntry[] {
  const entries: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(/[ :]/).filter((f) => f !== '');
    if (fields.length < 3) {
      if (fields.length === 2 && fields[0] === 'Total') continue;
      throw new CgroupError(`parse ${file}: invalid line ${JSON.stringify(line)}`, { op: 'parse', path: file });
    }
    const op = fields.length === 4 ? fields[2]! : '';
    const value = fields.length === 4 ? fields[3]! : fields[2]!;
    entries.push({
      major: parseUint(fields[0]!, file),
      minor: parseUint(fields[1]!, file),
      op,
      value: parseUint(value, file),
    });
  }
  return entries;
}

type BlkioField = keyof BlkioStats;

/**
 * The blkio file sets, most detailed first: BFQ with debug counters, BFQ, CFQ, then the throttling layer's
 * recursive and plain counters (always there). The first set whose first file has entries is used.
 */
const BLKIO_SETS: [file: string, field: BlkioField][][] = [
  [
    ['blkio.bfq.sectors_recursive', 'sectorsRecursive'],
    ['blkio.bfq.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.bfq.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.bfq.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.bfq.io_queued_recursive', 'ioQueuedRecursive'],
    ['blkio.bfq.time_recursive', 'ioTimeRecursive'],
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.sectors_recursive', 'sectorsRecursive'],
    ['blkio.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.io_queued_recursive', 'ioQueuedRecursive'],
    ['blkio.time_recursive', 'ioTimeRecursive'],
    ['blkio.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
  ],
];

function readBlkio(fs: CgroupFs, dir: string, stats: CgroupStats): void {
  for (const set of BLKIO_SETS) {
    for (const [i, [file, field]] of set.entries()) {
      let entries: BlkioEntry[];
      try {
        const text = readOptional(fs, dir, file);
        entries = text === undefined ? [] : parseBlkioFile(text, path.join(dir, file));
      } catch (err) {
        if (i === 0) break;
        throw err;
      }
      // As runc: an empty first file means "try the next set"; an empty later one ends the search.
      if (entries.length === 0) {
        if (i === 0) break;
        return;
      }
      stats.blkio[field] = entries;
      if (i === set.length - 1) return;
    }
  }
}

function readHugetlb(fs: CgroupFs, dir: string, stats: CgroupStats, hugePagesDir?: string): void {
  if (!fs.isDirectory(dir)) return;
  for (const size of hugePageSizes(fs, hugePagesDir)) {
    const prefix = `hugetlb.${size}`;
    stats.hugetlb.set(size, {
      usage: readUint(fs, dir, `${prefix}.usage_in_bytes`),
      maxUsage: readUint(fs, dir, `${prefix}.max_usage_in_bytes`),
      failcnt: readUint(fs, dir, `${prefix}.failcnt`),
    });
  }
}
