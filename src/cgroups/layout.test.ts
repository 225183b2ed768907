import t from 'tap';

import { CgroupError } from './errors.js';
import { detectCgroupLayout, keepOwnCgroupLayout, parseProcCgroup } from './layout.js';
import {
  HYBRID_MOUNTINFO,
  HYBRID_SELF,
  LEGACY_MOUNTINFO,
  LEGACY_SELF,
  UNIFIED_MOUNTINFO,
  UNIFIED_SELF,
} from '../../test/fakes/test-fixtures.js';

t.test('parseProcCgroup splits id, controllers and a path that may contain colons', async (t) => {
  t.same(parseProcCgroup('3:cpu,cpuacct:/a\n1:name=systemd:/b:c\n0::/\n'), [
    { hierarchyId: 3, controllers: ['cpu', 'cpuacct'], path: '/a' },
    { hierarchyId: 1, controllers: ['name=systemd'], path: '/b:c' },
    { hierarchyId: 0, controllers: [], path: '/' },
  ]);
});

t.test('hybrid: every v1 hierarchy plus cgroup2 at unified, under the given root', async (t) => {
  const layout = detectCgroupLayout({ root: '/fake', mountinfo: HYBRID_MOUNTINFO, selfCgroup: HYBRID_SELF });
  t.equal(layout.mode, 'hybrid');
  t.same(
    layout.hierarchies.map((h) => [h.version, h.controllers.join(','), h.mountPoint, h.ownCgroup]),
    [
      [1, 'name=systemd', '/fake/systemd', '/'],
      [1, 'pids', '/fake/pids', '/'],
      [1, 'blkio', '/fake/blkio', '/'],
      [1, 'freezer', '/fake/freezer', '/'],
      [1, 'devices', '/fake/devices', '/'],
      [1, 'memory', '/fake/memory', '/process_api/abc'],
      [1, 'cpuset', '/fake/cpuset', '/'],
      [1, 'cpuacct', '/fake/cpuacct', '/'],
      [1, 'cpu', '/fake/cpu', '/'],
      [2, '', '/fake/unified', '/'],
    ],
  );
});

t.test('legacy: co-mounted controllers share a hierarchy; foreign named hierarchies are left alone', async (t) => {
  const layout = detectCgroupLayout({ root: '/fake', mountinfo: LEGACY_MOUNTINFO, selfCgroup: LEGACY_SELF });
  t.equal(layout.mode, 'legacy');
  const byControllers = Object.fromEntries(layout.hierarchies.map((h) => [h.controllers.join(','), h.mountPoint]));
  t.same(byControllers, {
    devices: '/fake/devices',
    pids: '/fake/pids',
    freezer: '/fake/freezer',
    memory: '/fake/memory',
    'net_cls,net_prio': '/fake/net_cls,net_prio',
    cpuset: '/fake/cpuset',
    'cpu,cpuacct': '/fake/cpu,cpuacct',
    'name=systemd': '/fake/systemd',
  });
});

t.test('unified: cgroup2 on the root itself', async (t) => {
  const layout = detectCgroupLayout({ root: '/fake', mountinfo: UNIFIED_MOUNTINFO, selfCgroup: UNIFIED_SELF });
  t.equal(layout.mode, 'unified');
  t.same(layout.hierarchies, [
    {
      version: 2,
      controllers: [],
      mountPoint: '/fake',
      mountRoot: '/',
      ownCgroup: '/user.slice/user-1000.slice/session-3.scope',
    },
  ]);
});

t.test('real root keeps mounts outside /sys/fs/cgroup; a mount of a sub-tree keeps its root', async (t) => {
  const mountinfo = `1 0 0:1 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
2 0 0:2 / /cgroup/freezer rw - cgroup cgroup rw,freezer
`;
  const layout = detectCgroupLayout({ mountinfo, selfCgroup: '2:pids:/docker/abc\n1:freezer:/x\n' });
  t.equal(layout.mode, 'legacy');
  t.same(
    layout.hierarchies.map((h) => [h.controllers[0], h.mountPoint, h.mountRoot]),
    [
      ['pids', '/sys/fs/cgroup/pids', '/docker/abc'],
      ['freezer', '/cgroup/freezer', '/'],
    ],
  );
  // Under a fake root the mount outside /sys/fs/cgroup does not exist.
  const fake = detectCgroupLayout({ root: '/fake', mountinfo, selfCgroup: '2:pids:/docker/abc\n1:freezer:/x\n' });
  t.same(
    fake.hierarchies.map((h) => h.mountPoint),
    ['/fake/pids'],
  );
});

t.test('a hierarchy mounted twice: the mount that contains our own cgroup wins', async (t) => {
  const mountinfo = `1 0 0:1 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
2 0 0:1 / /sys/fs/cgroup/pids2 rw - cgroup cgroup rw,pids
`;
  const layout = detectCgroupLayout({ root: '/fake', mountinfo, selfCgroup: '1:pids:/mine\n' });
  t.equal(layout.hierarchies[0]!.mountPoint, '/fake/pids2');
});

t.test('no cgroup mount at all is an error', async (t) => {
  t.throws(
    () => detectCgroupLayout({ root: '/fake', mountinfo: '1 0 0:1 / / rw - ext4 /dev/vda rw\n', selfCgroup: '0::/\n' }),
    {
      name: 'CgroupError',
      message: 'no cgroup hierarchy is mounted (looked for cgroup and cgroup2 mounts under /fake)',
    },
  );
  t.ok(new CgroupError('x') instanceof Error);
});

t.test('cgroup2 mounted only below the root, without v1: used as the one hierarchy', async (t) => {
  const mountinfo = '1 0 0:1 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n';
  const layout = detectCgroupLayout({ root: '/fake', mountinfo, selfCgroup: '0::/a\n' });
  t.equal(layout.mode, 'unified');
  t.equal(layout.hierarchies[0]!.mountPoint, '/fake/unified');
});

t.test('this host (reads the real /proc files)', async (t) => {
  const layout = detectCgroupLayout();
  t.ok(['unified', 'legacy', 'hybrid'].includes(layout.mode));
  t.ok(layout.hierarchies.length > 0);
  for (const h of layout.hierarchies) t.match(h.mountPoint, /^\//);
});

t.test("this process's own layout is read each time until kept, then once; one described by sources each time", async (t) => {
  t.not(detectCgroupLayout(), detectCgroupLayout(), 'a long-lived library user sees its cgroup as it is now');
  keepOwnCgroupLayout();
  t.equal(detectCgroupLayout(), detectCgroupLayout(), 'kept (the CLI): /proc/self/mountinfo and /proc/self/cgroup read once');
  const sources = { root: '/fake', mountinfo: LEGACY_MOUNTINFO, selfCgroup: LEGACY_SELF };
  t.not(detectCgroupLayout(sources), detectCgroupLayout(sources));
  t.same(detectCgroupLayout(sources), detectCgroupLayout(sources));
});
