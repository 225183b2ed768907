import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { MountContext } from './mount-ops.js';
import { mountToRootfs } from './mounts.js';
import { V1_CGROUP_PATHS, V1_MOUNTINFO, makeHost, mountCalls, type Host } from '../../test/fakes/test-helpers.js';
import type { Mount } from '../generated/config.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';
import { hasNamespace } from '../plan/namespaces.js';

const CGROUP_MOUNT: Mount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };

function mount(h: Host, cgroupPaths: Record<string, string>, spec: SpecLiteral = {}, m: Mount = CGROUP_MOUNT): string[] {
  const plan = planOf({ ...spec, mounts: [m] }, { bundle: h.bundle });
  const ctx: MountContext = {
    sys: h.sys, rootfs: h.root, cgroupNamespace: hasNamespace(plan.namespaces, 'cgroup'), cgroupPaths, mountinfo: () => V1_MOUNTINFO,
  };
  mountToRootfs(ctx, plan.mounts[0]!);
  return mountCalls(h.sys, h.root);
}

t.test('v1 with a cgroup namespace: one cgroup mount per hierarchy instead of binds', async (t) => {
  const h = makeHost(t);
  t.same(mount(h, V1_CGROUP_PATHS, { linux: { namespaces: [{ type: 'cgroup' }] } }), [
    'tmpfs R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755',
    'cgroup R/sys/fs/cgroup/cpu,cpuacct cgroup RDONLY|NOSUID|NODEV|NOEXEC cpu,cpuacct',
    'cgroup R/sys/fs/cgroup/memory cgroup RDONLY|NOSUID|NODEV|NOEXEC memory',
    'cgroup R/sys/fs/cgroup/systemd cgroup RDONLY|NOSUID|NODEV|NOEXEC name=systemd',
  ], 'the tmpfs stays writable, as in runc');
});

t.test('v1 read-write: binds without RDONLY, the tmpfs stays writable, propagation applied', async (t) => {
  const h = makeHost(t);
  t.same(mount(h, { memory: '/sys/fs/cgroup/memory/x' }, {}, { ...CGROUP_MOUNT, options: ['nosuid', 'rslave'] }), [
    'tmpfs R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755',
    '- R/sys/fs/cgroup - REC|SLAVE -',
    '/sys/fs/cgroup/memory/x R/sys/fs/cgroup/memory - BIND|REC -',
    '- R/sys/fs/cgroup/memory - REC|SLAVE -',
    '- R/sys/fs/cgroup/memory - NOSUID|REMOUNT|BIND -',
  ]);
  t.same(fs.readdirSync(path.join(h.root, 'sys/fs/cgroup')), ['memory']);
});

t.test('a v1 directory that no cgroup mount holds is an error', async (t) => {
  const h = makeHost(t);
  t.throws(() => mount(h, { pids: '/sys/fs/cgroup/pids/x' }), /mount cgroup to \/sys\/fs\/cgroup \(type cgroup\): no cgroup v1 mount holds \/sys\/fs\/cgroup\/pids\/x/);
});

t.test('v2: a cgroup2 mount with the flags', async (t) => {
  const h = makeHost(t);
  t.same(mount(h, { '': '/sys/fs/cgroup/ocirt/c1' }), ['cgroup R/sys/fs/cgroup cgroup2 RDONLY|NOSUID|NODEV|NOEXEC|RELATIME -']);
  const explicit = makeHost(t);
  t.same(mount(explicit, V1_CGROUP_PATHS, {}, { destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2' }),
    ['cgroup2 R/sys/fs/cgroup cgroup2 0 -'], 'type cgroup2 is always a cgroup2 mount');
});

t.test('v2: when the kernel refuses cgroup2, the hierarchy is bind-mounted read-only', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mount', 'EPERM', (a) => a[2] === 'cgroup2');
  t.same(mount(h, { '': '/sys/fs/cgroup/ocirt/c1' }), [
    'cgroup R/sys/fs/cgroup cgroup2 RDONLY|NOSUID|NODEV|NOEXEC|RELATIME -',
    '/sys/fs/cgroup R/sys/fs/cgroup - BIND -',
    '- R/sys/fs/cgroup - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -',
  ]);
  const ns = makeHost(t);
  ns.sys.failOn('mount', 'EBUSY', (a) => a[2] === 'cgroup2');
  t.match(mount(ns, { '': '/sys/fs/cgroup/ocirt/c1' }, { linux: { namespaces: [{ type: 'cgroup' }] } })[1],
    /^\/sys\/fs\/cgroup\/ocirt\/c1 R\/sys\/fs\/cgroup - BIND/, 'with a cgroup namespace: our own directory');
  const other = makeHost(t);
  other.sys.failOn('mount', 'ENODEV', (a) => a[2] === 'cgroup2');
  t.throws(() => mount(other, { '': '/x' }), { code: 'ENODEV' });
});

t.test('without cgroup paths the host layout decides (statfs of /sys/fs/cgroup)', async (t) => {
  const v2 = makeHost(t);
  v2.sys.statfsResults.set('/sys/fs/cgroup', { type: 0x63677270, flags: 0 });
  t.match(mount(v2, {})[0], /cgroup2/);
  const v1 = makeHost(t);
  t.same(mount(v1, {}), ['tmpfs R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755']);
});
