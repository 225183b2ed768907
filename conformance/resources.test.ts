// Resource limits (config-linux.md "Control groups": memory, cpu, pids, blockIO, devices): the same
// bundle is created under ocirt and under runc and the cgroup files both runtimes wrote are compared,
// on this machine's hybrid layout (v1 controllers). A device-cgroup test checks that the default
// deny-all keeps a container from opening a device node it made itself.
//
// Where runc may differ: the spec does not say which device rules a runtime adds to the config's;
// runc appends its defaults (mknod of anything, the standard nodes, ptys, /dev/ptmx, /dev/net/tun), and
// ocirt does the same. A controller the host has not mounted (net_cls here) fails create in runc;
// the spec does not say, ocirt follows runc.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  SUBJECT,
  assertSameAsReference,
  create,
  makeBundle,
  observeBoth,
  setupSuite,
  uniqueId,
  type RuntimeName,
  type TapTest,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

const PARENT = '/ocirt-conf-res';
const V1 = '/sys/fs/cgroup';

t.teardown(() => {
  for (const controller of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'blkio', 'devices', 'freezer', 'systemd', 'unified']) {
    try {
      fs.rmdirSync(path.join(V1, controller, PARENT));
    } catch {
      // absent, or still in use by a parallel run
    }
  }
});

/** The control files each comparison reads, per v1 controller. */
const FILES: Record<string, string[]> = {
  memory: ['memory.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.swappiness', 'memory.oom_control'],
  cpu: ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'],
  cpuset: ['cpuset.cpus', 'cpuset.mems'],
  pids: ['pids.max'],
  blkio: ['blkio.bfq.weight', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_iops_device'],
  devices: ['devices.list'],
};

/** Create (not start) the bundle under `runtime`; return the cgroup files it wrote, then delete it. */
async function cgroupFilesUnder(t: TapTest, runtime: RuntimeName, patch: SpecPatch): Promise<Record<string, string>> {
  const name = uniqueId('res');
  const cgroupsPath = `${PARENT}/${name}`;
  const bundle = await makeBundle(
    (s, ctx) => {
      s.process!.args = ['sleep', '60'];
      s.linux!.cgroupsPath = cgroupsPath;
      return patch(s, ctx) ?? undefined;
    },
    { rootfs: 'shared', runtime },
  );
  const c = await create(runtime, bundle, { id: name });
  t.equal(c.createResult.status, 0, `${runtime} create: ${c.createResult.stderr}`);
  const out: Record<string, string> = {};
  try {
    for (const [controller, files] of Object.entries(FILES)) {
      for (const file of files) {
        const p = path.join(V1, controller, cgroupsPath, file);
        out[`${controller}/${file}`] = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '<missing>';
      }
    }
  } finally {
    const del = await c.delete(true);
    t.equal(del.status, 0, `${runtime} delete: ${del.stderr}`);
  }
  t.notOk(fs.existsSync(path.join(V1, 'memory', cgroupsPath)), `${runtime} removed the cgroup`);
  return out;
}

async function compare(t: TapTest, patch: SpecPatch): Promise<Record<string, string>> {
  const ours = await cgroupFilesUnder(t, SUBJECT, patch);
  const theirs = await cgroupFilesUnder(t, REFERENCE, patch);
  t.same(ours, theirs, 'ocirt wrote the same cgroup files as runc');
  return ours;
}

const MiB = 1 << 20;

t.test('memory, cpu, cpuset, pids and blkio limits are the cgroup values runc writes', async (t) => {
  const files = await compare(t, (s) => {
    s.linux!.resources = {
      ...s.linux!.resources,
      memory: { limit: 100 * MiB, reservation: 50 * MiB, swap: 200 * MiB, swappiness: 10, disableOOMKiller: true },
      cpu: { shares: 512, quota: 50000, period: 200000, cpus: '0', mems: '0' },
      pids: { limit: 64 },
      blockIO: {
        weight: 500,
        throttleReadBpsDevice: [{ major: 254, minor: 0, rate: MiB }],
        throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 100 }],
      },
    };
  });
  // And they are the values asked for, not just the same as runc's.
  t.equal(files['memory/memory.limit_in_bytes'], `${100 * MiB}\n`);
  t.equal(files['memory/memory.memsw.limit_in_bytes'], `${200 * MiB}\n`);
  t.equal(files['memory/memory.soft_limit_in_bytes'], `${50 * MiB}\n`);
  t.equal(files['memory/memory.swappiness'], '10\n');
  t.match(files['memory/memory.oom_control'], /^oom_kill_disable 1$/m);
  t.equal(files['cpu/cpu.shares'], '512\n');
  t.equal(files['cpu/cpu.cfs_quota_us'], '50000\n');
  t.equal(files['cpu/cpu.cfs_period_us'], '200000\n');
  t.equal(files['cpuset/cpuset.cpus'], '0\n');
  t.equal(files['pids/pids.max'], '64\n');
  t.equal(files['blkio/blkio.throttle.read_bps_device'], `254:0 ${MiB}\n`);
  t.equal(files['blkio/blkio.throttle.write_iops_device'], '254:0 100\n');
});

t.test('unlimited memory makes memory+swap unlimited too', async (t) => {
  const files = await compare(t, (s) => void (s.linux!.resources = { ...s.linux!.resources, memory: { limit: -1 } }));
  t.equal(files['memory/memory.limit_in_bytes'], files['memory/memory.memsw.limit_in_bytes']);
});

t.test('device rules: the config\'s list, then runc\'s defaults, as devices.list shows them', async (t) => {
  const files = await compare(t, (s) => {
    s.linux!.resources = {
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 4, access: 'rw' },
        { allow: true, type: 'b', major: 7, minor: 0, access: 'rwm' },
        { allow: false, type: 'b', major: 7, minor: 0, access: 'w' },
      ],
    };
  });
  t.match(files['devices/devices.list'], /^c 4:\* rw$/m);
  t.match(files['devices/devices.list'], /^b 7:0 rm$/m);
  t.match(files['devices/devices.list'], /^c 1:3 rwm$/m);
  t.notMatch(files['devices/devices.list'], /^a /m);
});

t.test('an allow-all list leaves the device cgroup open', async (t) => {
  const files = await compare(t, (s) => void (s.linux!.resources = { devices: [{ allow: true, access: 'rwm' }] }));
  t.equal(files['devices/devices.list'], 'a *:* rwm\n');
});

t.test('with the default deny, a device node the container makes cannot be opened', async (t) => {
  const patch: SpecPatch = (s) => {
    for (const set of ['bounding', 'effective', 'permitted'] as const) s.process!.capabilities![set]!.push('CAP_MKNOD');
  };
  const script = [
    'mknod /dev/xmem c 1 1 && echo made-mem',
    'head -c1 /dev/xmem >/dev/null 2>&1 && echo opened-mem || echo denied-mem',
    'mknod /dev/xnull c 1 3 && echo made-null',
    'echo hi > /dev/xnull && echo opened-null || echo denied-null',
  ].join('; ');
  const both = await observeBoth(patch, script, { rootfs: 'shared' });
  t.equal(both.ocirt.stdout, 'made-mem\ndenied-mem\nmade-null\nopened-null\n');
  assertSameAsReference(t, both);
});

t.test('resources the host cannot apply fail create under both, and leave no cgroup', async (t) => {
  const cases: [string, SpecPatch, RegExp][] = [
    ['net_cls not mounted', (s) => void (s.linux!.resources = { ...s.linux!.resources, network: { classID: 5 } }), /cannot set net_cls limit: container could not join or create cgroup/],
    ['unified on v1', (s) => void (s.linux!.resources = { ...s.linux!.resources, unified: { 'memory.max': '1' } }), /cannot use unified on cgroup v1/],
    ['swappiness above 100', (s) => void (s.linux!.resources = { ...s.linux!.resources, memory: { swappiness: 200 } }), /invalid memory swappiness value: 200 \(valid range is 0-100\)/],
    ['rt runtime above the parent\'s', (s) => void (s.linux!.resources = { ...s.linux!.resources, cpu: { realtimeRuntime: 1000 } }), /write \/sys\/fs\/cgroup\/cpu\/ocirt-conf-res\/.*\/cpu\.rt_runtime_us: EINVAL/],
  ];
  for (const [what, patch, message] of cases) {
    for (const runtime of [SUBJECT, REFERENCE]) {
      const name = uniqueId('bad');
      const bundle = await makeBundle(
        (s, ctx) => {
          s.linux!.cgroupsPath = `${PARENT}/${name}`;
          return patch(s, ctx) ?? undefined;
        },
        { rootfs: 'shared', runtime },
      );
      const c = await create(runtime, bundle, { id: name });
      t.not(c.createResult.status, 0, `${what}: ${runtime} create fails`);
      if (runtime === SUBJECT) t.match(c.createResult.stderr, message, `${what}: ocirt says why`);
      const left = ['memory', 'cpu', 'pids', 'devices'].filter((ctl) => fs.existsSync(path.join(V1, ctl, PARENT, name)));
      t.same(left, [], `${what}: ${runtime} left no cgroup`);
    }
  }
});

// runc's init is charged for its own threads; ocirt's Node init has more of them, and
// neither its threads nor its start-up may count against the container's limit.
t.test('a small pids limit (5, 10) still runs a shell that runs a command, and exec into it', async (t) => {
  for (const limit of [5, 10]) {
    const script = 'echo start; ls / | wc -l';
    const both = await observeBoth((s) => {
      s.linux!.resources = { ...s.linux!.resources, pids: { limit } };
    }, ['sh', '-c', script], { rootfs: 'shared', timeoutMs: 30_000 });
    t.equal(both.ocirt.status, 0, `limit ${limit}: ocirt run: ${both.ocirt.stderr}`);
    t.match(both.ocirt.stdout, /^start\n\d+\n/, `limit ${limit}: the shell ran its command`);
    assertSameAsReference(t, both, ['status', 'stdout'], `limit ${limit}`);

    // runc's exec init is counted too: at limit 5 its Go runtime cannot start its threads
    // ("pthread_create failed: Resource temporarily unavailable"), so there only ocirt is run.
    for (const runtime of limit >= 10 ? [SUBJECT, REFERENCE] : [SUBJECT]) {
      const bundle = await makeBundle((s) => {
        s.process!.args = ['sleep', '60'];
        s.linux!.resources = { ...s.linux!.resources, pids: { limit } };
      }, { rootfs: 'shared', runtime });
      const c = await create(runtime, bundle, { id: uniqueId('pids') });
      t.equal(c.createResult.status, 0, `limit ${limit}: ${runtime} create: ${c.createResult.stderr}`);
      try {
        t.equal((await c.start()).status, 0, `limit ${limit}: ${runtime} start`);
        const ex = await c.exec(['sh', '-c', 'echo exec; ls / | wc -l']);
        t.equal(ex.status, 0, `limit ${limit}: ${runtime} exec: ${ex.stderr}`);
        t.match(ex.stdout, /^exec\n\d+\n$/, `limit ${limit}: ${runtime} exec ran its shell and command`);
      } finally {
        t.equal((await c.delete(true)).status, 0, `limit ${limit}: ${runtime} delete`);
      }
    }
  }
});
