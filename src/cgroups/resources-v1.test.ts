// linux.resources on cgroup v1 (this machine's hybrid layout and a legacy one), against the fake cgroupfs.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { CgroupError } from './errors.js';
import { createCgroupManager, loadCgroupManager } from './manager.js';
import { RecordingFs, V1_DEFAULT_FILES, seed } from '../../test/fakes/resource-fixtures.js';
import type { LinuxResources } from './resource-values.js';
import { HYBRID_MOUNTINFO, HYBRID_SELF, LEGACY_MOUNTINFO, LEGACY_SELF, fakeTree, tempDir } from '../../test/fakes/test-fixtures.js';

function setup(t: Test, layout: 'hybrid' | 'legacy' = 'hybrid') {
  const root = tempDir('res1');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const [mountinfo, selfCgroup] = layout === 'hybrid' ? [HYBRID_MOUNTINFO, HYBRID_SELF] : [LEGACY_MOUNTINFO, LEGACY_SELF];
  const { fs: fake } = fakeTree(root, mountinfo, selfCgroup);
  const rec = new RecordingFs(fake);
  const manager = createCgroupManager({ id: 'c1', cgroupsPath: '/test/c1', root, mountinfo, selfCgroup, fs: rec });
  manager.create();
  for (const [controller, files] of Object.entries(V1_DEFAULT_FILES)) {
    const dir = manager.path(controller);
    if (dir !== undefined) seed(dir, files);
  }
  rec.writes.length = 0;
  const file = (controller: string, name: string) => path.join(manager.path(controller)!, name);
  const read = (controller: string, name: string) => fs.readFileSync(file(controller, name), 'utf8').trim();
  const apply = (r: LinuxResources, warn?: (m: string) => void) => manager.applyResources(r, { warn });
  return { root, fake, rec, manager, file, read, apply };
}

/** The writes outside the devices controller (which every apply programs). */
const nonDevice = (rec: RecordingFs) => rec.writes.filter(([p]) => !/devices\.(allow|deny)$/.test(p)).map(([p, d]) => `${path.basename(p)}=${d}`);

t.test('memory: limit, reservation, swap, swappiness and OOM killer are written', async (t) => {
  const { rec, read, apply } = setup(t);
  apply({ memory: { limit: 100 << 20, reservation: 50 << 20, swap: 200 << 20, swappiness: 10, disableOOMKiller: true } });
  t.equal(read('memory', 'memory.limit_in_bytes'), String(100 << 20));
  t.equal(read('memory', 'memory.memsw.limit_in_bytes'), String(200 << 20));
  t.equal(read('memory', 'memory.soft_limit_in_bytes'), String(50 << 20));
  t.equal(read('memory', 'memory.swappiness'), '10');
  t.equal(read('memory', 'memory.oom_control'), '1');
  // Lowering from the huge default: limit first, then memsw (memsw >= limit holds at every step).
  t.same(nonDevice(rec).slice(0, 2), [`memory.limit_in_bytes=${100 << 20}`, `memory.memsw.limit_in_bytes=${200 << 20}`]);
});

t.test('memory: raising above the current limit writes memsw first', async (t) => {
  const { rec, file, apply } = setup(t);
  fs.writeFileSync(file('memory', 'memory.limit_in_bytes'), '1048576\n');
  apply({ memory: { limit: 100 << 20, swap: 200 << 20 } });
  t.same(nonDevice(rec), [`memory.memsw.limit_in_bytes=${200 << 20}`, `memory.limit_in_bytes=${100 << 20}`]);
});

t.test('memory: -1 limit with swap unset makes swap unlimited too; 0 fields are left alone', async (t) => {
  const { rec, apply } = setup(t);
  apply({ memory: { limit: -1 } });
  t.same(nonDevice(rec), ['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1']);
  rec.writes.length = 0;
  apply({ memory: { limit: 0, swap: 0, reservation: 0 } });
  t.same(nonDevice(rec), []);
});

t.test('memory: kernel memory is ignored with runc\'s warning; swappiness above 100 is refused', async (t) => {
  const { rec, apply } = setup(t);
  const warnings: string[] = [];
  apply({ memory: { kernel: 1 << 20, kernelTCP: 1 << 20 } }, (m) => warnings.push(m));
  t.same(warnings, ['Kernel memory settings are ignored and will be removed']);
  t.same(nonDevice(rec), []);
  t.throws(() => apply({ memory: { swappiness: 101 } }), { message: 'invalid memory swappiness value: 101 (valid range is 0-100)' });
});

t.test('memory: a limit below usage (EBUSY) names the file, errno and usage', async (t) => {
  const { fake, file, apply } = setup(t);
  fake.failOn('writeFile', file('memory', 'memory.limit_in_bytes'), 'EBUSY');
  const err = t.throws(() => apply({ memory: { limit: 1000 } })) as CgroupError;
  t.ok(err instanceof CgroupError);
  t.equal(err.code, 'EBUSY');
  t.match(err.message, `write ${file('memory', 'memory.limit_in_bytes')}: EBUSY (unable to set memory limit to 1000: current usage 4096, peak usage 8192)`);
});

t.test('errors from a write name the file and the errno', async (t) => {
  const { fake, file, apply } = setup(t);
  fake.failOn('writeFile', file('pids', 'pids.max'), 'EINVAL');
  t.throws(() => apply({ pids: { limit: 5 } }), { message: `write ${file('pids', 'pids.max')}: EINVAL`, code: 'EINVAL' });
});

t.test('cpu: shares, quota, period, burst, idle and RT bandwidth', async (t) => {
  const { rec, read, apply } = setup(t);
  apply({ cpu: { shares: 512, quota: 50000, period: 200000, burst: 1000, idle: 1, realtimePeriod: 1000000, realtimeRuntime: 5000 } });
  t.equal(read('cpu', 'cpu.shares'), '512');
  t.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
  t.equal(read('cpu', 'cpu.cfs_period_us'), '200000');
  t.equal(read('cpu', 'cpu.cfs_burst_us'), '1000');
  t.equal(read('cpu', 'cpu.idle'), '1');
  t.equal(read('cpu', 'cpu.rt_period_us'), '1000000');
  t.equal(read('cpu', 'cpu.rt_runtime_us'), '5000');
  t.same(
    nonDevice(rec).filter((w) => w.startsWith('cpu.')),
    ['cpu.shares=512', 'cpu.cfs_period_us=200000', 'cpu.cfs_quota_us=50000', 'cpu.cfs_burst_us=1000', 'cpu.idle=1', 'cpu.rt_period_us=1000000', 'cpu.rt_runtime_us=5000'],
  );
});

t.test('cpu: shares the kernel clamps are reported as runc does', async (t) => {
  const { rec, apply } = setup(t);
  rec.transforms.set('cpu.shares', (d) => (Number(d) < 2 ? '2' : Number(d) > 262144 ? '262144' : d));
  t.throws(() => apply({ cpu: { shares: 1 } }), { message: 'the minimum allowed cpu-shares is 2' });
  t.throws(() => apply({ cpu: { shares: 300000 } }), { message: 'the maximum allowed cpu-shares is 262144' });
});

t.test('cpu: a period refused with EINVAL is retried after the quota', async (t) => {
  const { fake, rec, file, read, apply } = setup(t);
  fake.failOn('writeFile', file('cpu', 'cpu.cfs_period_us'), 'EINVAL');
  apply({ cpu: { quota: 20000, period: 50000 } });
  t.same(nonDevice(rec), ['cpu.cfs_quota_us=20000', 'cpu.cfs_period_us=50000']);
  t.equal(read('cpu', 'cpu.cfs_period_us'), '50000');
  // Without a quota to set the EINVAL is the answer.
  fake.failOn('writeFile', file('cpu', 'cpu.cfs_period_us'), 'EINVAL');
  t.throws(() => apply({ cpu: { period: 50000 } }), { code: 'EINVAL' });
});

t.test('cpuset: cpus and mems', async (t) => {
  const { read, apply } = setup(t);
  apply({ cpu: { cpus: '1-2', mems: '0' } });
  t.equal(read('cpuset', 'cpuset.cpus'), '1-2');
  t.equal(read('cpuset', 'cpuset.mems'), '0');
});

t.test('pids: a limit, -1 for max, 0 for unset', async (t) => {
  const { rec, read, apply } = setup(t);
  apply({ pids: { limit: 42 } });
  t.equal(read('pids', 'pids.max'), '42');
  apply({ pids: { limit: -1 } });
  t.equal(read('pids', 'pids.max'), 'max');
  rec.writes.length = 0;
  apply({ pids: { limit: 0 } });
  t.same(nonDevice(rec), []);
});

t.test('blkio: BFQ weight files when blkio.weight is absent, throttles one line per device', async (t) => {
  const { rec, read, apply } = setup(t);
  apply({
    blockIO: {
      weight: 500,
      weightDevice: [{ major: 8, minor: 0, weight: 200 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }, { major: 8, minor: 16, rate: 2048 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 4096 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
    },
  });
  t.equal(read('blkio', 'blkio.bfq.weight'), '500');
  t.same(rec.writesTo('blkio.bfq.weight_device'), ['8:0 200']);
  t.same(rec.writesTo('blkio.throttle.read_bps_device'), ['8:0 1048576', '8:16 2048']);
  t.same(rec.writesTo('blkio.throttle.write_bps_device'), ['8:0 4096']);
  t.same(rec.writesTo('blkio.throttle.read_iops_device'), ['8:0 100']);
  t.same(rec.writesTo('blkio.throttle.write_iops_device'), ['8:0 50']);
});

t.test('blkio: CFQ files when blkio.weight exists; leaf weights', async (t) => {
  const { rec, file, read, apply } = setup(t);
  seed(path.dirname(file('blkio', 'x')), { 'blkio.weight': '500\n', 'blkio.weight_device': '', 'blkio.leaf_weight': '500\n', 'blkio.leaf_weight_device': '' });
  apply({ blockIO: { weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 100, leafWeight: 90 }] } });
  t.equal(read('blkio', 'blkio.weight'), '300');
  t.equal(read('blkio', 'blkio.leaf_weight'), '200');
  t.same(rec.writesTo('blkio.weight_device'), ['8:0 100']);
  t.same(rec.writesTo('blkio.leaf_weight_device'), ['8:0 90']);
  t.same(rec.writesTo('blkio.bfq.weight'), []);
});

t.test('controllers that are not mounted: an error when asked for, passed over otherwise (runc)', async (t) => {
  const { apply } = setup(t); // hybrid: no hugetlb, net_cls, net_prio, rdma
  t.throws(() => apply({ hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }] }), {
    message: 'cannot set hugetlb limit: container could not join or create cgroup',
  });
  t.throws(() => apply({ network: { classID: 5 } }), { message: 'cannot set net_cls limit: container could not join or create cgroup' });
  t.throws(() => apply({ network: { priorities: [{ name: 'eth0', priority: 1 }] } }), {
    message: 'cannot set net_prio limit: container could not join or create cgroup',
  });
  t.throws(() => apply({ rdma: { mlx5_0: { hcaHandles: 3 } } }), { message: 'cannot set rdma limit: container could not join or create cgroup' });
  t.doesNotThrow(() => apply({ hugepageLimits: [], network: {}, rdma: {} }));
});

t.test('net_cls and net_prio where they are mounted (legacy layout, co-mounted)', async (t) => {
  const { rec, read, apply } = setup(t, 'legacy');
  apply({ network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 2 }] } });
  t.equal(read('net_cls', 'net_cls.classid'), String(0x100001));
  t.same(rec.writesTo('net_prio.ifpriomap'), ['eth0 5', 'lo 2']);
});

t.test('hugetlb and rdma files (controllers mounted by the test)', async (t) => {
  const { rec, manager, fake } = setup(t);
  // Pretend both are mounted: a manager whose paths name them.
  const dir = manager.path('memory')!;
  seed(dir, { 'hugetlb.2MB.limit_in_bytes': '', 'hugetlb.1GB.limit_in_bytes': '', 'rdma.max': '' });
  const m = loadCgroupManager({ version: 1, mode: 'legacy', paths: { hugetlb: dir, rdma: dir, devices: manager.path('devices')! } }, rec);
  m.applyResources({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }, { pageSize: '1GB', limit: 1 << 30 }], rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 }, mlx4_0: { hcaObjects: 7 } } });
  // No .rsvd. files here: tried once, then skipped.
  t.same(rec.writesTo('hugetlb.2MB.limit_in_bytes'), [String(4 << 20)]);
  t.same(rec.writesTo('hugetlb.1GB.limit_in_bytes'), [String(1 << 30)]);
  t.same(fake.calls.filter((c) => c.includes('rsvd')).length, 1);
  t.same(rec.writesTo('rdma.max'), ['mlx5_0 hca_handle=3 hca_object=100', 'mlx4_0 hca_object=7']);
});

t.test('unified is refused on v1 (runc: cannot use unified on cgroup v1)', async (t) => {
  const { apply } = setup(t);
  t.throws(() => apply({ unified: { 'memory.max': '1' } }), { message: 'invalid configuration: cannot use unified on cgroup v1' });
});

t.test('devices: the config list plus runc\'s defaults, programmed as a whitelist', async (t) => {
  const { rec, read, apply } = setup(t);
  apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }] });
  t.same(rec.writes[0]![1], 'a *:* rwm');
  t.match(rec.writes[0]![0], /devices\.deny$/);
  t.same(read('devices', 'devices.list').split('\n'), [
    'b *:* m', 'c *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 4:1 rw', 'c 5:0 rwm', 'c 5:2 rwm', 'c 10:200 rwm', 'c 136:* rwm',
  ]);
  // The same list again (an update) writes nothing: no moment of deny-all for running processes.
  rec.writes.length = 0;
  apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }] });
  t.same(rec.writesTo('devices.deny').concat(rec.writesTo('devices.allow')), []);
  // A deny after an allow takes bits off.
  apply({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: 1, access: 'rw' }, { allow: false, type: 'c', major: 4, minor: 1, access: 'w' }] });
  t.match(read('devices', 'devices.list'), /^c 4:1 r$/m);
});

t.test('devices: a config device path replaces runc\'s default rule; empty access is refused', async (t) => {
  const { manager, read } = setup(t);
  manager.applyResources({ devices: [{ allow: false, access: 'rwm' }] }, { configDevices: [{ path: '/dev/null' }] });
  t.notMatch(read('devices', 'devices.list'), /c 1:3 /);
  t.throws(() => manager.applyResources({ devices: [{ allow: true, access: '' }] }), { message: 'device access at 0 field cannot be empty' });
});

t.test('devices: a blacklist (allow all, deny some) and rootless ignoring device errors', async (t) => {
  const { rec, fake, file, manager, read } = setup(t);
  // runc's defaults come after the config's rules: in a blacklist they take a deny of /dev/null back.
  manager.applyResources({ devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 4, minor: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
  t.equal(read('devices', 'devices.list'), 'a *:* rwm');
  t.same(rec.writesTo('devices.deny'), ['c 4:1 rwm']);
  fake.failOn('writeFile', file('devices', 'devices.deny'), 'EPERM', 10);
  t.throws(() => manager.applyResources({ devices: [{ allow: false, access: 'rwm' }] }), { code: 'EPERM' });
  t.doesNotThrow(() => manager.applyResources({ devices: [{ allow: false, access: 'rwm' }] }, { rootless: true }));
});

t.test('devices: a kernel that ends in another state is an error', async (t) => {
  const { rec, apply } = setup(t);
  rec.transforms.set('devices.allow', (d) => d);
  // Break the model: devices.list stays allow-all whatever is written.
  const original = rec.writeFile.bind(rec);
  rec.writeFile = (p, d) => {
    original(p, d);
    if (p.endsWith('devices.allow') || p.endsWith('devices.deny')) fs.writeFileSync(path.join(path.dirname(p), 'devices.list'), 'a *:* rwm\n');
  };
  t.throws(() => apply({ devices: [{ allow: false, access: 'rwm' }] }), { message: /resulting devices cgroup doesn't precisely match target/ });
});
