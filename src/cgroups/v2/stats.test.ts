// The cgroup v2 stats reader on a fake cgroupfs, checked down to the JSON line `events --stats` prints.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { eventLine, statsEventData } from '../../runtime/operations/events.js';
import { FakeCgroupFs } from '../../../test/fakes/fake-cgroupfs.js';
import { loadCgroupManager } from '../manager.js';
import { tempDir } from '../../../test/fakes/test-fixtures.js';
import { readV2OomKillCount, readV2Stats } from './stats.js';

function setup(t: Test) {
  const root = tempDir('v2stats');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const fake = new FakeCgroupFs();
  fake.addHierarchy(path.join(root, 'unified'), 'v2');
  const dir = path.join(root, 'unified', 'c1');
  fake.mkdir(dir, 0o755);
  const hugePagesDir = path.join(root, 'hugepages');
  fs.mkdirSync(path.join(hugePagesDir, 'hugepages-2048kB'), { recursive: true });
  const write = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  };
  return { fake, dir, write, hugePagesDir };
}

const SAMPLE: Record<string, string> = {
  'cgroup.procs': '10\n11\n12\n',
  'pids.current': '3\n',
  'pids.max': 'max\n',
  'memory.stat': 'anon 102400\nfile 8192\nkernel 294912\npgfault 771\n',
  'memory.current': '733184\n',
  'memory.max': '268435456\n',
  'memory.swap.current': '4096\n',
  'memory.swap.max': 'max\n',
  'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n',
  'io.stat': '8:0 rbytes=40960 wbytes=4096 rios=10 wios=1 dbytes=0 dios=0\n253:1 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
  'cpu.stat':
    'usage_usec 8047\nuser_usec 4000\nsystem_usec 4047\nnr_periods 5\nnr_throttled 2\nthrottled_usec 1500\nnr_bursts 0\nburst_usec 0\n',
  'hugetlb.2MB.current': '2097152\n',
  'hugetlb.2MB.events': 'max 3\n',
};

t.test('every controller, as the exact events JSON line', async (t) => {
  const { fake, dir, write, hugePagesDir } = setup(t);
  write(SAMPLE);
  t.equal(
    eventLine('stats', 'c1', statsEventData(readV2Stats(fake, dir, { hugePagesDir }))),
    '{"type":"stats","id":"c1","data":{' +
      '"cpu":{"usage":{"total":8047000,"kernel":4047000,"user":4000000},' +
      '"throttling":{"periods":5,"throttledPeriods":2,"throttledTime":1500000}},' +
      '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,' +
      '"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"cache":8192,"usage":{"limit":268435456,"usage":733184,"failcnt":0},' +
      '"swap":{"limit":18446744073709551615,"usage":737280,"failcnt":0},' +
      '"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},' +
      '"raw":{"anon":102400,"file":8192,"kernel":294912,"pgfault":771}},' +
      '"pids":{"current":3},' +
      '"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":40960},{"major":8,"op":"Write","value":4096},' +
      '{"major":253,"minor":1,"op":"Read","value":512},{"major":253,"minor":1,"op":"Write"}],' +
      '"ioServicedRecursive":[{"major":8,"op":"Read","value":10},{"major":8,"op":"Write","value":1},' +
      '{"major":253,"minor":1,"op":"Read","value":1},{"major":253,"minor":1,"op":"Write"}]},' +
      '"hugetlb":{"2MB":{"usage":2097152,"failcnt":3}},' +
      '"intel_rdt":{},"network_interfaces":null}}\n',
  );
});

t.test('a finite swap limit is reported as memory+swap, as v1 memsw', async (t) => {
  const { fake, dir, write } = setup(t);
  write({ ...SAMPLE, 'memory.swap.max': '1000\n' });
  const m = readV2Stats(fake, dir, { hugePagesDir: '/nonexistent' }).memory;
  t.equal(m.swap.limit, 268436456n);
  t.equal(m.swap.usage, 737280n);
});

t.test('controllers that are not enabled are skipped; pids are counted from cgroup.procs', async (t) => {
  const { fake, dir, write } = setup(t);
  write({ 'cgroup.procs': '10\n11\n', 'cpu.stat': 'usage_usec 5\nuser_usec 3\nsystem_usec 2\n' });
  t.equal(
    eventLine('stats', 'c1', statsEventData(readV2Stats(fake, dir, { hugePagesDir: '/nonexistent' }))),
    '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":5000,"kernel":2000,"user":3000},"throttling":{}},' +
      '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,' +
      '"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},' +
      '"kernelTCP":{"limit":0,"failcnt":0}},"pids":{"current":2},"blkio":{},"hugetlb":{},"intel_rdt":{},' +
      '"network_interfaces":null}}\n',
  );
  t.equal(readV2OomKillCount(fake, dir), undefined, 'no memory.events');
});

t.test('failures of several controllers are reported together', async (t) => {
  const { fake, dir, write } = setup(t);
  write({ ...SAMPLE, 'pids.max': 'x\n', 'cpu.stat': 'usage_usec\n' });
  t.throws(() => readV2Stats(fake, dir, { hugePagesDir: '/nonexistent' }), {
    message:
      `error while statting cgroup v2: parse ${dir}/pids.max: unable to parse "x" as a uint; ` +
      `parse ${dir}/cpu.stat: unable to parse "usage_usec" as a "key value" line`,
  });
  fs.rmSync(dir, { recursive: true });
  t.throws(() => readV2Stats(fake, dir), { message: `error while statting cgroup v2: read ${dir}/cgroup.procs: ENOENT` }, 'a removed cgroup');
});

t.test('the manager reads v2 stats in unified mode, and the OOM kill counter from memory.events', async (t) => {
  const { fake, dir, write } = setup(t);
  write(SAMPLE);
  const manager = loadCgroupManager({ version: 1, mode: 'unified', paths: { '': dir } }, fake);
  t.equal(manager.stats().pids.current, 3n);
  t.equal(manager.stats().cpu.usage.total, 8047000n);
  t.equal(manager.oomKillCount(), 1n);
});
