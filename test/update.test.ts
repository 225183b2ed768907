// `ocirt update`: change a running container's limits by flags or by a LinuxResources document on stdin;
// the values land in the cgroup files and in the saved state; a stopped container and a bad document are
// refused without changing anything.
import t, { type Test } from 'tap';
import { readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

let n = 0;
const newId = (what: string) => `upd-${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';
const MiB = 1 << 20;

/** A created container (init waiting in its cgroup) with some limits, and readers for its cgroup files. */
function container(t: Test, args = ['sleep', '300']) {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('c');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = args;
    s.linux!.cgroupsPath = `/ocirt-test-update/${id}`;
    s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * MiB }, pids: { limit: 50 }, cpu: { shares: 256, quota: 10000, period: 100000 } };
  });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  t.teardown(() => void R('delete', '--force', id));
  const r = R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const cg = (controller: string, file: string) => readFileSync(`/sys/fs/cgroup/${controller}/ocirt-test-update/${id}/${file}`, 'utf8').trim();
  const saved = () => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8')).config.linux.resources;
  return { root, id, R, cg, saved };
}

t.teardown(() => {
  for (const c of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'blkio', 'devices', 'freezer', 'systemd', 'unified']) {
    try {
      rmdirSync(`/sys/fs/cgroup/${c}/ocirt-test-update`);
    } catch { /* in use or absent */ }
  }
});

t.test('update by flags changes the cgroup files and the saved resources', async (t) => {
  const { id, R, cg, saved } = container(t);
  t.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * MiB), 'create applied the config');
  const r = R('update', '--memory', '128m', '--memory-swap', '256m', '--pids-limit', '77', '--cpu-share', '512', '--cpu-quota', '20000', '--cpuset-cpus', '0', id);
  t.equal(r.status, 0, r.stderr);
  t.equal(cg('memory', 'memory.limit_in_bytes'), String(128 * MiB));
  t.equal(cg('memory', 'memory.memsw.limit_in_bytes'), String(256 * MiB));
  t.equal(cg('pids', 'pids.max'), '77');
  t.equal(cg('cpu', 'cpu.shares'), '512');
  t.equal(cg('cpu', 'cpu.cfs_quota_us'), '20000');
  t.equal(cg('cpu', 'cpu.cfs_period_us'), '100000', 'the period is kept');
  t.equal(cg('cpuset', 'cpuset.cpus'), '0');
  const res = saved();
  t.same(res.memory, { limit: 128 * MiB, swap: 256 * MiB });
  t.same(res.pids, { limit: 77 });
  t.same(res.cpu, { shares: 512, quota: 20000, period: 100000, cpus: '0' });
  t.same(res.devices, [{ allow: false, access: 'rwm' }], 'the rest of the resources is kept');
  // A later update starts from the saved values.
  t.equal(R('update', '--pids-limit', '-1', id).status, 0);
  t.equal(cg('pids', 'pids.max'), 'max');
  t.same(saved().memory, { limit: 128 * MiB, swap: 256 * MiB });
});

t.test('update --resources - reads a LinuxResources document from stdin', async (t) => {
  const { root, id, cg, saved } = container(t);
  const doc = { memory: { limit: 96 * MiB, reservation: 32 * MiB }, cpu: { period: 50000 }, pids: { limit: 33 } };
  const res = ocirtStdin(root, ['update', '--resources', '-', id], JSON.stringify(doc));
  t.equal(res.status, 0, res.stderr);
  t.equal(cg('memory', 'memory.limit_in_bytes'), String(96 * MiB));
  t.equal(cg('memory', 'memory.soft_limit_in_bytes'), String(32 * MiB));
  t.equal(cg('cpu', 'cpu.cfs_period_us'), '50000');
  t.equal(cg('pids', 'pids.max'), '33');
  t.same(saved().memory, { limit: 96 * MiB, reservation: 32 * MiB });
});

function ocirtStdin(root: string, args: string[], input: string) {
  return ocirt(['--root', root, ...args], { input });
}

t.test('a bad document is rejected with its JSON pointer, and nothing changes', async (t) => {
  const { root, id, cg, saved } = container(t);
  const before = saved();
  for (const [doc, pointer] of [
    [{ memory: { limit: 'lots' } }, '/memory/limit'],
    [{ pids: { limit: 1.5 } }, '/pids/limit'],
    [{ cpu: { shares: -1 } }, '/cpu/shares'],
  ] as const) {
    const r = ocirtStdin(root, ['update', '-r', '-', id], JSON.stringify({ pids: { limit: 9 }, ...doc }));
    t.equal(r.status, 1);
    t.match(r.stderr, `invalid resources: ${pointer}: `);
  }
  const r = ocirtStdin(root, ['update', '-r', '-', id], '{"memory": ');
  t.equal(r.status, 1);
  t.match(r.stderr, /invalid resources JSON/);
  t.equal(cg('pids', 'pids.max'), '50');
  t.equal(cg('memory', 'memory.limit_in_bytes'), String(64 * MiB));
  t.same(saved(), before);
});

t.test('a limit the kernel refuses fails, names the file, and the saved state stays', async (t) => {
  const { id, R, cg, saved } = container(t);
  const before = saved();
  const r = R('update', '--cpu-share', '1', id);
  t.equal(r.status, 1);
  t.match(r.stderr, /the minimum allowed cpu-shares is 2/);
  t.equal(cg('cpu', 'cpu.shares'), '256', 'the old value is put back');
  t.same(saved(), before);
  const bad = R('update', '--memory', '1x', id);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /invalid value for memory: invalid size: '1x'/);
});

t.test('update refuses a stopped container, and needs exactly one id', async (t) => {
  const { id, R, saved } = container(t, ['true']);
  t.equal(R('start', id).status, 0);
  for (let i = 0; i < 100 && !/"stopped"/.test(R('state', id).stdout); i++) await sleep(50);
  const before = saved();
  const r = R('update', '--memory', '1g', id);
  t.equal(r.status, 1);
  t.match(r.stderr, /container not running/);
  t.same(saved(), before);
  t.equal(R('update').status, 1);
  t.match(R('update', 'nope-such-container').stderr, /does not exist/);
  t.equal(R('delete', id).status, 0);
  t.same(findCgroupDirs(id), [], 'delete removed every cgroup');
});
