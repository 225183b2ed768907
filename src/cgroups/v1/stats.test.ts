// The v1 stats reader on a fake cgroupfs with sample files taken from a real hybrid host, checked down to the
// JSON line `events --stats` prints.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { eventLine, statsEventData } from '../../runtime/operations/events.js';
import { FakeCgroupFs } from '../../../test/fakes/fake-cgroupfs.js';
import { loadCgroupManager } from '../manager.js';
import { tempDir } from '../../../test/fakes/test-fixtures.js';
import { parseBlkioFile, parseCpuList, readV1OomKillCount, readV1Stats } from './stats.js';

const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb'] as const;

function setup(t: Test) {
  const root = tempDir('v1stats');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const fake = new FakeCgroupFs();
  const paths: Record<string, string> = {};
  for (const c of CONTROLLERS) {
    fake.addHierarchy(path.join(root, c), c === 'cpuset' ? 'cpuset' : 'plain');
    paths[c] = path.join(root, c, 'c1');
    fake.mkdir(paths[c]!, 0o755);
  }
  const hugePagesDir = path.join(root, 'hugepages');
  fs.mkdirSync(path.join(hugePagesDir, 'hugepages-2048kB'), { recursive: true });
  fs.mkdirSync(path.join(hugePagesDir, 'hugepages-1048576kB'));
  const write = (controller: string, files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(paths[controller]!, name), text);
  };
  return { fake, paths, write, hugePagesDir };
}

const NO_LIMIT = '9223372036854771712\n';

function writeSample(write: (c: string, f: Record<string, string>) => void): void {
  write('cpu', { 'cpu.stat': 'nr_periods 12\nnr_throttled 3\nthrottled_time 4500000\nnr_bursts 0\nburst_time 0\n' });
  write('cpuacct', {
    'cpuacct.stat': 'user 7\nsystem 1\n',
    'cpuacct.usage': '86183363\n',
    'cpuacct.usage_percpu': '83577146 2606217 \n',
    'cpuacct.usage_all': 'cpu user system\n0 76000000 8000000\n1 0 8000000\n',
  });
  write('cpuset', {
    'cpuset.cpus': '0-2,5\n',
    'cpuset.mems': '0\n',
    'cpuset.cpu_exclusive': '0\n',
    'cpuset.mem_hardwall': '0\n',
    'cpuset.mem_exclusive': '0\n',
    'cpuset.memory_migrate': '0\n',
    'cpuset.memory_spread_page': '0\n',
    'cpuset.memory_spread_slab': '0\n',
    'cpuset.memory_pressure': '0\n',
    'cpuset.sched_load_balance': '1\n',
    'cpuset.sched_relax_domain_level': '-1\n',
  });
  write('memory', {
    'memory.stat': 'cache 4096\nrss 102400\nhierarchical_memory_limit 9223372036854771712\npgfault 2346\n',
    'memory.usage_in_bytes': '745472\n',
    'memory.max_usage_in_bytes': '9121792\n',
    'memory.failcnt': '0\n',
    'memory.limit_in_bytes': '268435456\n',
    'memory.memsw.usage_in_bytes': '745472\n',
    'memory.memsw.max_usage_in_bytes': '9121792\n',
    'memory.memsw.failcnt': '2\n',
    'memory.memsw.limit_in_bytes': NO_LIMIT,
    'memory.kmem.usage_in_bytes': '294912\n',
    'memory.kmem.max_usage_in_bytes': '835584\n',
    'memory.kmem.failcnt': '0\n',
    'memory.kmem.limit_in_bytes': NO_LIMIT,
    // no memory.kmem.tcp.*: an optional family that is absent stays empty
    'memory.use_hierarchy': '1\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n',
  });
  write('pids', { 'pids.current': '2\n', 'pids.max': '100\n' });
  write('blkio', {
    'blkio.bfq.io_serviced_recursive': 'Total 0\n',
    'blkio.throttle.io_serviced_recursive': '8:0 Read 10\n8:0 Write 2\n8:0 Total 12\nTotal 12\n',
    'blkio.throttle.io_service_bytes_recursive': '8:0 Read 40960\n8:0 Write 0\n8:0 Total 40960\nTotal 40960\n',
  });
  write('hugetlb', {
    'hugetlb.2MB.usage_in_bytes': '0\n',
    'hugetlb.2MB.max_usage_in_bytes': '2097152\n',
    'hugetlb.2MB.failcnt': '1\n',
    'hugetlb.1GB.usage_in_bytes': '0\n',
    'hugetlb.1GB.max_usage_in_bytes': '0\n',
    'hugetlb.1GB.failcnt': '0\n',
  });
}

t.test('every controller, as the exact events JSON line', async (t) => {
  const { fake, paths, write, hugePagesDir } = setup(t);
  writeSample(write);
  const line = eventLine('stats', 'c1', statsEventData(readV1Stats(fake, paths, { hugePagesDir })));
  t.equal(
    line,
    '{"type":"stats","id":"c1","data":{' +
      '"cpu":{"usage":{"total":86183363,"percpu":[83577146,2606217],"percpu_kernel":[8000000,8000000],' +
      '"percpu_user":[76000000,0],"kernel":10000000,"user":70000000},' +
      '"throttling":{"periods":12,"throttledPeriods":3,"throttledTime":4500000}},' +
      '"cpuset":{"cpus":[0,1,2,5],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,' +
      '"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":1,"sched_relax_domain_level":-1},' +
      '"memory":{"cache":4096,"usage":{"limit":268435456,"usage":745472,"max":9121792,"failcnt":0},' +
      '"swap":{"limit":9223372036854771712,"usage":745472,"max":9121792,"failcnt":2},' +
      '"kernel":{"limit":9223372036854771712,"usage":294912,"max":835584,"failcnt":0},' +
      '"kernelTCP":{"limit":0,"failcnt":0},' +
      '"raw":{"cache":4096,"hierarchical_memory_limit":9223372036854771712,"pgfault":2346,"rss":102400}},' +
      '"pids":{"current":2,"limit":100},' +
      '"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":40960},{"major":8,"op":"Write"},' +
      '{"major":8,"op":"Total","value":40960}],' +
      '"ioServicedRecursive":[{"major":8,"op":"Read","value":10},{"major":8,"op":"Write","value":2},' +
      '{"major":8,"op":"Total","value":12}]},' +
      '"hugetlb":{"1GB":{"failcnt":0},"2MB":{"max":2097152,"failcnt":1}},' +
      '"intel_rdt":{},"network_interfaces":null}}\n',
  );
});

t.test('a counter beyond 2^53 keeps every digit', async (t) => {
  const { fake, paths, write } = setup(t);
  writeSample(write);
  write('memory', { 'memory.limit_in_bytes': '18446744073709551615\n' });
  const stats = readV1Stats(fake, { memory: paths.memory! });
  t.equal(stats.memory.usage.limit, 18446744073709551615n);
  t.match(eventLine('stats', 'c1', statsEventData(stats)), /"usage":\{"limit":18446744073709551615,/);
});

t.test('the manager reads v1 stats from its paths in hybrid mode, and the OOM kill counter', async (t) => {
  const { fake, paths, write } = setup(t);
  writeSample(write);
  const manager = loadCgroupManager({ version: 1, mode: 'hybrid', paths: { ...paths, '': '/nonexistent/unified/c1' } }, fake);
  t.equal(manager.stats().pids.current, 2n);
  t.equal(manager.stats().memory.usage.usage, 745472n);
  t.equal(manager.oomKillCount(), 3n);
  t.equal(loadCgroupManager({ version: 1, mode: 'legacy', paths: { pids: paths.pids! } }, fake).oomKillCount(), undefined, 'no memory cgroup');
});

t.test('controllers that are not there contribute nothing, as in runc', async (t) => {
  const { fake, paths } = setup(t);
  // Fresh directories: only cgroup.procs (and cpuset.cpus/mems, empty) exist; pids/cpuacct dirs are gone.
  fs.rmSync(paths.pids!, { recursive: true });
  fs.rmSync(paths.cpuacct!, { recursive: true });
  fs.writeFileSync(path.join(paths.cpuset!, 'cpuset.cpus'), '0-1\n');
  fs.writeFileSync(path.join(paths.cpuset!, 'cpuset.mems'), '0\n');
  const data = statsEventData(readV1Stats(fake, { pids: paths.pids!, cpuacct: paths.cpuacct!, memory: paths.memory!, cpu: paths.cpu!, cpuset: paths.cpuset!, blkio: paths.blkio! }));
  t.equal(
    eventLine('stats', 'x', data),
    '{"type":"stats","id":"x","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},' +
      '"cpuset":{"cpus":[0,1],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,' +
      '"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},' +
      '"kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n',
  );
  t.equal(readV1OomKillCount(fake, paths.memory!), undefined, 'no memory.oom_control');
});

t.test('a file that exists but does not parse is an error naming it', async (t) => {
  const { fake, paths, write } = setup(t);
  writeSample(write);
  write('pids', { 'pids.current': 'lots\n' });
  t.throws(() => readV1Stats(fake, paths), {
    message: `parse ${paths.pids}/pids.current: unable to parse "lots" as a uint`,
  });
  write('pids', { 'pids.current': '1\n' });
  write('memory', { 'memory.max_usage_in_bytes': '' });
  t.throws(() => readV1Stats(fake, paths), { message: /memory\.max_usage_in_bytes: unable to parse "" as a uint/ });
  fs.rmSync(path.join(paths.memory!, 'memory.usage_in_bytes'));
  t.throws(() => readV1Stats(fake, paths), { message: `read ${paths.memory}/memory.usage_in_bytes: ENOENT` }, 'memory usage is required');
});

t.test('blkio: the first file set with entries wins; CFQ after an empty BFQ', async (t) => {
  const { fake, paths, write } = setup(t);
  write('blkio', {
    'blkio.bfq.io_serviced_recursive': 'Total 0\n',
    'blkio.sectors_recursive': '8:16 24\n',
    'blkio.io_service_time_recursive': '8:16 Read 5\n',
    'blkio.io_wait_time_recursive': '8:16 Read 6\n',
    'blkio.io_merged_recursive': '8:16 Read 7\n',
    'blkio.io_queued_recursive': '8:16 Read 8\n',
    'blkio.time_recursive': '8:16 9\n',
    'blkio.io_serviced_recursive': '8:16 Read 10\n',
    'blkio.io_service_bytes_recursive': '8:16 Read 11\n',
    'blkio.throttle.io_serviced_recursive': '8:0 Read 99\n',
  });
  const b = readV1Stats(fake, { blkio: paths.blkio! }).blkio;
  t.same(b.sectorsRecursive, [{ major: 8n, minor: 16n, op: '', value: 24n }]);
  t.same(b.ioTimeRecursive, [{ major: 8n, minor: 16n, op: '', value: 9n }]);
  t.same(b.ioServicedRecursive, [{ major: 8n, minor: 16n, op: 'Read', value: 10n }], 'the throttle set is not used');
  t.same(b.ioQueuedRecursive, [{ major: 8n, minor: 16n, op: 'Read', value: 8n }]);
});

t.test('parsers', async (t) => {
  t.same(parseCpuList('0-3,7\n', 'f'), [0, 1, 2, 3, 7]);
  t.throws(() => parseCpuList('\n', 'f'), { message: 'parse f: found to be empty' });
  t.throws(() => parseCpuList('3-1', 'f'), { message: /invalid cpu\/mem list entry "3-1"/ });
  t.same(parseBlkioFile('8:0 Read 1\nTotal 1\n', 'f'), [{ major: 8n, minor: 0n, op: 'Read', value: 1n }]);
  t.throws(() => parseBlkioFile('garbage\n', 'f'), { message: 'parse f: invalid line "garbage"' });
});
