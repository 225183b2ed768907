// linux.resources on a pure cgroup v2 host (runc's fs2 conversions), against the fake cgroupfs.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { deviceRulesFor } from './device-rules.js';
import { createCgroupManager } from './manager.js';
import { RecordingFs, V2_DEFAULT_FILES, seed } from '../../test/fakes/resource-fixtures.js';
import type { LinuxResources } from './resource-values.js';
import { deviceFilterBytes } from './v2/device-filter.js';
import type { DeviceFilterTarget } from './v2/devices.js';
import { UNIFIED_MOUNTINFO, UNIFIED_SELF, fakeTree, tempDir } from '../../test/fakes/test-fixtures.js';

/** The rule list of a config that allows every device. */
const ALLOW_ALL = [{ allow: true, access: 'rwm' }];

/** The fake's directories are not cgroup2 ones: it takes the device filter programs instead of bpf(2). */
class FilterRecordingFs extends RecordingFs implements DeviceFilterTarget {
  readonly deviceFilters: [string, Buffer][] = [];
  replaceDeviceFilter(dir: string, program: Buffer): void {
    this.deviceFilters.push([dir, program]);
  }
}

function setup(t: Test) {
  const root = tempDir('res2');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const { fs: fake } = fakeTree(root, UNIFIED_MOUNTINFO, UNIFIED_SELF);
  const rec = new FilterRecordingFs(fake);
  const manager = createCgroupManager({ id: 'c1', cgroupsPath: '/test/c1', root, mountinfo: UNIFIED_MOUNTINFO, selfCgroup: UNIFIED_SELF, fs: rec });
  manager.create();
  const dir = manager.path('')!;
  seed(dir, V2_DEFAULT_FILES);
  // The levels above: the hierarchy root and /test offer controllers, none enabled yet.
  for (const level of [path.dirname(dir), path.dirname(path.dirname(dir))]) {
    seed(level, { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '\n' });
  }
  rec.writes.length = 0;
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8').trim();
  const apply = (r: LinuxResources, warn?: (m: string) => void) => manager.applyResources({ devices: ALLOW_ALL, ...r }, { warn });
  const written = () => rec.writes.filter(([p]) => path.dirname(p) === dir).map(([p, d]) => `${path.basename(p)}=${d}`);
  return { dir, fake, rec, manager, read, apply, written };
}

t.test('the controllers are enabled on every level above the container, not in it', async (t) => {
  const { dir, rec, apply } = setup(t);
  apply({});
  t.same(
    rec.writes.filter(([p]) => p.endsWith('cgroup.subtree_control')).map(([p, d]) => [path.relative(path.dirname(path.dirname(dir)), p), d]),
    [['cgroup.subtree_control', '+cpuset +cpu +io +memory +pids'], ['test/cgroup.subtree_control', '+cpuset +cpu +io +memory +pids']],
  );
});

t.test('a level that refuses the whole set is tried one controller at a time', async (t) => {
  const { dir, fake, rec, apply } = setup(t);
  const file = path.join(path.dirname(dir), 'cgroup.subtree_control');
  fake.failOn('writeFile', file, 'EBUSY');
  fake.failOn('writeFile', file, 'EBUSY'); // second rule: also the first single write (+cpuset) fails
  apply({});
  t.same(rec.writes.filter(([p]) => p === file).map(([, d]) => d), ['+cpu', '+io', '+memory', '+pids']);
});

t.test('memory: memory.max, memory.low, memory.swap.max = swap - limit', async (t) => {
  const { read, apply, written } = setup(t);
  apply({ memory: { limit: 100 << 20, reservation: 50 << 20, swap: 300 << 20 } });
  t.equal(read('memory.max'), String(100 << 20));
  t.equal(read('memory.low'), String(50 << 20));
  t.equal(read('memory.swap.max'), String(200 << 20));
  t.same(written(), [`memory.swap.max=${200 << 20}`, `memory.max=${100 << 20}`, `memory.low=${50 << 20}`]);
});

t.test('memory: -1 is max, swap equal to the limit is no swap, swap without a limit is refused', async (t) => {
  const { read, apply } = setup(t);
  apply({ memory: { limit: -1 } });
  t.equal(read('memory.max'), 'max');
  t.equal(read('memory.swap.max'), 'max');
  apply({ memory: { limit: 100 << 20, swap: 100 << 20 } });
  t.equal(read('memory.swap.max'), '0');
  apply({ memory: { limit: 100 << 20, swap: -1 } });
  t.equal(read('memory.swap.max'), 'max');
  t.throws(() => apply({ memory: { swap: 100 << 20 } }), { message: 'unable to set swap limit without memory limit' });
  t.throws(() => apply({ memory: { limit: 200 << 20, swap: 100 << 20 } }), { message: 'memory+swap limit should be >= memory limit' });
});

t.test('memory: no swap accounting is fine for max/0, an error for a real swap limit', async (t) => {
  const { dir, apply, read } = setup(t);
  fs.unlinkSync(path.join(dir, 'memory.swap.max'));
  apply({ memory: { limit: -1 } });
  t.equal(read('memory.max'), 'max');
  t.throws(() => apply({ memory: { limit: 100, swap: 300 } }), { message: `write ${dir}/memory.swap.max: ENOENT`, code: 'ENOENT' });
});

t.test('memory: checkBeforeUpdate refuses a limit at or below the current usage', async (t) => {
  const { read, apply } = setup(t);
  t.throws(() => apply({ memory: { limit: 4096, checkBeforeUpdate: true } }), { message: 'rejecting memory limit 4096 below current usage 4096' });
  t.equal(read('memory.max'), 'max');
  apply({ memory: { limit: 4096 } }); // without the check the kernel decides
  t.equal(read('memory.max'), '4096');
  apply({ memory: { limit: 8192, checkBeforeUpdate: true } });
  t.equal(read('memory.max'), '8192');
});

t.test('memory: kernel memory, swappiness and the OOM switch have no v2 file', async (t) => {
  const { apply, written } = setup(t);
  const warnings: string[] = [];
  apply({ memory: { kernel: 1 << 20, swappiness: 10, disableOOMKiller: true } }, (m) => warnings.push(m));
  t.same(written(), []);
  t.same(warnings, ['Kernel memory settings are ignored and will be removed']);
});

t.test('cpu: shares → cpu.weight, quota/period → cpu.max, burst, idle', async (t) => {
  const { read, apply } = setup(t);
  apply({ cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 0 } });
  t.equal(read('cpu.weight'), '39');
  t.equal(read('cpu.max'), '50000 100000');
  t.equal(read('cpu.max.burst'), '1000');
  t.equal(read('cpu.idle'), '0');
  apply({ cpu: { quota: -1 } });
  t.equal(read('cpu.max'), 'max');
  apply({ cpu: { period: 200000 } });
  t.equal(read('cpu.max'), 'max 200000');
  apply({ cpu: { quota: 30000 } });
  t.equal(read('cpu.max'), '30000');
  t.throws(() => apply({ cpu: { realtimeRuntime: 1000 } }), { message: /not supported on cgroup v2/ });
});

t.test('cpuset, pids, hugetlb, rdma', async (t) => {
  const { fake, rec, read, apply } = setup(t);
  apply({ cpu: { cpus: '0-1', mems: '0' }, pids: { limit: 99 }, hugepageLimits: [{ pageSize: '2MB', limit: 1 << 22 }], rdma: { mlx5_0: { hcaHandles: 2 } } });
  t.equal(read('cpuset.cpus'), '0-1');
  t.equal(read('cpuset.mems'), '0');
  t.equal(read('pids.max'), '99');
  t.equal(read('hugetlb.2MB.max'), String(1 << 22));
  t.equal(fake.calls.filter((c) => c.includes('hugetlb.2MB.rsvd.max')).length, 1); // tried; absent here
  t.same(rec.writesTo('rdma.max'), ['mlx5_0 hca_handle=2']);
  apply({ pids: { limit: -1 } });
  t.equal(read('pids.max'), 'max');
});

t.test('io: weight converted to io.weight without BFQ; io.bfq.weight as is with it; throttles in io.max', async (t) => {
  const { dir, rec, read, apply } = setup(t);
  apply({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 7 }] } });
  t.equal(read('io.weight'), '4950');
  t.same(rec.writesTo('io.max'), ['8:0 rbps=1000', '8:16 wiops=7']);
  rec.writes.length = 0;
  seed(dir, { 'io.bfq.weight': 'default 100\n' });
  apply({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }], throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 5 }], throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 6 }] } });
  t.same(rec.writesTo('io.bfq.weight'), ['500', '8:0 300']);
  t.same(rec.writesTo('io.weight'), []);
  t.same(rec.writesTo('io.max'), ['8:0 wbps=5', '8:0 riops=6']);
});

t.test('unified: written last (overrides converted values), with runc\'s checks', async (t) => {
  const { read, apply, written } = setup(t);
  apply({ memory: { limit: 1000 }, unified: { 'memory.max': '2000', 'pids.max': '7' } });
  t.equal(read('memory.max'), '2000');
  t.same(written().slice(-2), ['memory.max=2000', 'pids.max=7']);
  t.throws(() => apply({ unified: { '../x': '1' } }), { message: 'unified resource "../x" must be a file name (no slashes)' });
  t.throws(() => apply({ unified: { 'misc.max': '1' } }), { message: /unified resource "misc.max" can't be set: controller "misc" not available \(write .*misc.max: ENOENT\)/ });
  t.throws(() => apply({ unified: { nodot: '1' } }), { message: /must be in the form CONTROLLER.PARAMETER/ });
  t.throws(() => apply({ unified: { 'memory.bogus': '1' } }), { message: /memory.bogus: ENOENT$/ });
});

t.test('devices: the rule list becomes an eBPF filter for the cgroup2 directory, replaced on each apply', async (t) => {
  const { dir, rec, manager } = setup(t);
  manager.applyResources({ devices: [{ allow: false, access: 'rwm' }] });
  manager.applyResources({});
  manager.applyResources({ devices: [{ allow: true, access: 'rwm' }] });
  t.same(rec.deviceFilters.map(([d]) => d), [dir, dir, dir]);
  t.same(rec.deviceFilters.map(([, p]) => p), [
    deviceFilterBytes(deviceRulesFor([{ allow: false, access: 'rwm' }])),
    deviceFilterBytes(deviceRulesFor([])), // runc's defaults alone are a whitelist
    deviceFilterBytes(deviceRulesFor([{ allow: true, access: 'rwm' }])),
  ]);
  t.same(rec.writtenFiles().filter((f) => f.startsWith('devices.')), [], 'no device files on v2');
  manager.applyResources({ devices: [{ allow: false, access: 'rwm' }] }, { rootless: true });
  t.equal(rec.deviceFilters.length, 4, 'rootless still tries (its failure would be ignored)');
});
