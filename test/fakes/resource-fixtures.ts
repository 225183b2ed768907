/**
 * Test support for the resource controllers (tests only): a cgroupfs wrapper that records every write with its
 * data and models the v1 device controller (`devices.allow`/`deny` → `devices.list`), and the default control
 * files a kernel gives a new cgroup, to seed the fake with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import type { CgroupFs } from '../../src/cgroups/cgroup-fs.js';
import { type DeviceRule, DeviceState } from '../../src/cgroups/device-rules.js';
import type { FakeCgroupFs } from './fake-cgroupfs.js';

export const V1_DEFAULT_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.memsw.limit_in_bytes': '9223372036854771712\n',
    'memory.soft_limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.limit_in_bytes': '9223372036854771712\n',
    'memory.kmem.tcp.limit_in_bytes': '9223372036854771712\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n',
    'memory.swappiness': '60\n',
    'memory.usage_in_bytes': '4096\n',
    'memory.max_usage_in_bytes': '8192\n',
  },
  cpu: {
    'cpu.shares': '1024\n',
    'cpu.cfs_quota_us': '-1\n',
    'cpu.cfs_period_us': '100000\n',
    'cpu.cfs_burst_us': '0\n',
    'cpu.idle': '0\n',
    'cpu.rt_period_us': '1000000\n',
    'cpu.rt_runtime_us': '0\n',
  },
  pids: { 'pids.max': 'max\n' },
  blkio: {
    'blkio.bfq.weight': '100\n',
    'blkio.bfq.weight_device': '',
    'blkio.throttle.read_bps_device': '',
    'blkio.throttle.write_bps_device': '',
    'blkio.throttle.read_iops_device': '',
    'blkio.throttle.write_iops_device': '',
  },
  devices: { 'devices.list': 'a *:* rwm\n', 'devices.allow': '', 'devices.deny': '' },
  net_cls: { 'net_cls.classid': '0\n' },
  net_prio: { 'net_prio.ifpriomap': '' },
};

export const V2_DEFAULT_FILES: Record<string, string> = {
  'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma\n',
  'memory.max': 'max\n',
  'memory.swap.max': 'max\n',
  'memory.low': '0\n',
  'memory.current': '4096\n',
  'pids.max': 'max\n',
  'cpu.weight': '100\n',
  'cpu.max': 'max 100000\n',
  'cpu.max.burst': '0\n',
  'cpu.idle': '0\n',
  'cpuset.cpus': '\n',
  'cpuset.mems': '\n',
  'io.weight': 'default 100\n',
  'io.max': '',
  'hugetlb.2MB.max': 'max\n',
  'rdma.max': '',
};

/** Write `files` into `dir` directly (as the kernel would have created them). */
export function seed(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
}

function parseRule(text: string, allow: boolean): DeviceRule {
  const [type, numbers, access] = text.trim().split(/\s+/);
  const [major, minor] = (numbers ?? '*:*').split(':');
  const num = (n: string | undefined) => (n === undefined || n === '*' ? -1 : Number(n));
  return { allow, type: type as DeviceRule['type'], major: num(major), minor: num(minor), access: access ?? 'rwm' };
}

export class RecordingFs implements CgroupFs {
  /** Every write, as [path, data]. */
  readonly writes: [string, string][] = [];
  /** Per-file hook: what the "kernel" stores for a written value (e.g. clamping cpu.shares). */
  readonly transforms = new Map<string, (data: string) => string>();
  readonly #devices = new Map<string, DeviceState>();

  constructor(readonly inner: FakeCgroupFs) {}

  mkdir(p: string, mode: number): void {
    this.inner.mkdir(p, mode);
  }
  rmdir(p: string): void {
    this.inner.rmdir(p);
  }
  readFile(p: string): string {
    return this.inner.readFile(p);
  }
  subdirectories(p: string): string[] {
    return this.inner.subdirectories(p);
  }
  isDirectory(p: string): boolean {
    return this.inner.isDirectory(p);
  }
  writeFile(p: string, data: string): void {
    this.inner.writeFile(p, data); // failures injected into the fake happen here, before anything is recorded
    this.writes.push([p, data]);
    const name = path.basename(p);
    const transform = this.transforms.get(name);
    if (transform !== undefined) fs.writeFileSync(p, transform(data));
    if (name === 'devices.allow' || name === 'devices.deny') {
      const dir = path.dirname(p);
      const state = this.#devices.get(dir) ?? new DeviceState(true);
      state.apply(parseRule(data, name === 'devices.allow'));
      this.#devices.set(dir, state);
      const list = state.defaultAllow ? ['a *:* rwm'] : [...state.exceptions].map(([k, a]) => `${k} ${a}`);
      fs.writeFileSync(path.join(dir, 'devices.list'), list.map((l) => `${l}\n`).join(''));
    }
  }

  /** The data written to files named `name` (basename), in order. */
  writesTo(name: string): string[] {
    return this.writes.filter(([p]) => path.basename(p) === name).map(([, d]) => d);
  }

  /** Base names of the files written, in order. */
  writtenFiles(): string[] {
    return this.writes.map(([p]) => path.basename(p));
  }
}
