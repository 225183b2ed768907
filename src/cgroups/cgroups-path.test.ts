import t from 'tap';

import { parseCgroupsPath, parseSystemdCgroupsPath, resolveCgroupPaths } from './cgroups-path.js';
import { detectCgroupLayout } from './layout.js';
import {
  HYBRID_MOUNTINFO,
  HYBRID_SELF,
  LEGACY_MOUNTINFO,
  LEGACY_SELF,
  UNIFIED_MOUNTINFO,
  UNIFIED_SELF,
} from '../../test/fakes/test-fixtures.js';

const hybrid = detectCgroupLayout({ root: '/r', mountinfo: HYBRID_MOUNTINFO, selfCgroup: HYBRID_SELF });
const legacy = detectCgroupLayout({ root: '/r', mountinfo: LEGACY_MOUNTINFO, selfCgroup: LEGACY_SELF });
const unified = detectCgroupLayout({ root: '/r', mountinfo: UNIFIED_MOUNTINFO, selfCgroup: UNIFIED_SELF });

t.test('parseCgroupsPath normalises like runc CleanPath', async (t) => {
  t.same(parseCgroupsPath(undefined, 'c1'), { absolute: false, inner: 'c1' });
  t.same(parseCgroupsPath('', 'c1'), { absolute: false, inner: 'c1' });
  t.same(parseCgroupsPath('/a//b/./c/', 'c1'), { absolute: true, inner: 'a/b/c' });
  t.same(parseCgroupsPath('a/b/../c', 'c1'), { absolute: false, inner: 'a/c' });
  t.same(parseCgroupsPath('/machine.slice/x:y', 'c1'), { absolute: true, inner: 'machine.slice/x:y' });
});

t.test('parseCgroupsPath refuses escapes and paths naming the base', async (t) => {
  t.throws(() => parseCgroupsPath('/../etc', 'c1'), {
    name: 'CgroupError',
    message: 'invalid cgroupsPath "/../etc": ".." leads outside the cgroup hierarchy root',
  });
  t.throws(() => parseCgroupsPath('a/../../b', 'c1'), {
    message: `invalid cgroupsPath "a/../../b": ".." leads outside the runtime's own cgroup`,
  });
  t.throws(() => parseCgroupsPath('/', 'c1'), {
    message: 'invalid cgroupsPath "/": it names the root cgroup, not a cgroup of its own',
  });
  t.throws(() => parseCgroupsPath('/a/..', 'c1'), { message: /names the root cgroup/ });
  t.throws(() => parseCgroupsPath('.', 'c1'), { message: /names the runtime's own cgroup/ });
  t.throws(() => parseCgroupsPath('/a\0b', 'c1'), { message: /NUL byte/ });
  t.throws(() => parseCgroupsPath(undefined, '..'), { message: 'invalid container id ".." for a cgroup name' });
  t.throws(() => parseCgroupsPath(undefined, 'a/b'), { message: /invalid container id/ });
});

t.test('hybrid: absolute paths sit below each mount point', async (t) => {
  const paths = resolveCgroupPaths(hybrid, parseCgroupsPath('/ocirt/c1', 'c1'));
  t.same(paths, {
    'name=systemd': '/r/systemd/ocirt/c1',
    pids: '/r/pids/ocirt/c1',
    blkio: '/r/blkio/ocirt/c1',
    freezer: '/r/freezer/ocirt/c1',
    devices: '/r/devices/ocirt/c1',
    memory: '/r/memory/ocirt/c1',
    cpuset: '/r/cpuset/ocirt/c1',
    cpuacct: '/r/cpuacct/ocirt/c1',
    cpu: '/r/cpu/ocirt/c1',
    '': '/r/unified/ocirt/c1',
  });
});

t.test('hybrid: the default path is <id> below our own cgroup in each hierarchy (as runc 1.1.5 here)', async (t) => {
  const paths = resolveCgroupPaths(hybrid, parseCgroupsPath(undefined, 'c1'));
  t.equal(paths.memory, '/r/memory/process_api/abc/c1');
  t.equal(paths.pids, '/r/pids/c1');
  t.equal(paths[''], '/r/unified/c1');
  t.equal(paths['name=systemd'], '/r/systemd/c1');
});

t.test('legacy: relative paths follow our cgroup; co-mounted controllers share a directory', async (t) => {
  const paths = resolveCgroupPaths(legacy, parseCgroupsPath('pods/c1', 'c1'));
  t.same(paths, {
    devices: '/r/devices/system.slice/engine.service/pods/c1',
    pids: '/r/pids/system.slice/engine.service/pods/c1',
    freezer: '/r/freezer/pods/c1',
    memory: '/r/memory/system.slice/engine.service/pods/c1',
    net_cls: '/r/net_cls,net_prio/pods/c1',
    net_prio: '/r/net_cls,net_prio/pods/c1',
    cpuset: '/r/cpuset/pods/c1',
    cpu: '/r/cpu,cpuacct/system.slice/engine.service/pods/c1',
    cpuacct: '/r/cpu,cpuacct/system.slice/engine.service/pods/c1',
    'name=systemd': '/r/systemd/system.slice/engine.service/pods/c1',
  });
  t.equal(resolveCgroupPaths(legacy, parseCgroupsPath('/abs', 'c1'))['cpu'], '/r/cpu,cpuacct/abs');
});

t.test('unified: relative paths go below the parent of our own cgroup (runc fs2)', async (t) => {
  t.same(resolveCgroupPaths(unified, parseCgroupsPath(undefined, 'c1')), { '': '/r/user.slice/user-1000.slice/c1' });
  t.same(resolveCgroupPaths(unified, parseCgroupsPath('/system.slice/c1', 'c1')), { '': '/r/system.slice/c1' });
});

t.test('a mounted sub-tree: our cgroup is taken relative to the mount root', async (t) => {
  const layout = detectCgroupLayout({
    root: '/r',
    mountinfo: '1 0 0:1 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n',
    selfCgroup: '1:pids:/docker/abc/inner\n',
  });
  t.same(resolveCgroupPaths(layout, parseCgroupsPath('c1', 'c1')), { pids: '/r/pids/inner/c1' });
  t.same(resolveCgroupPaths(layout, parseCgroupsPath('/c1', 'c1')), { pids: '/r/pids/c1' });
  // Our cgroup outside the mounted sub-tree is unreachable: relative paths start at the mount point.
  const outside = detectCgroupLayout({
    root: '/r',
    mountinfo: '1 0 0:1 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n',
    selfCgroup: '1:pids:/elsewhere\n',
  });
  t.same(resolveCgroupPaths(outside, parseCgroupsPath('c1', 'c1')), { pids: '/r/pids/c1' });
});

t.test('parseSystemdCgroupsPath: slice:prefix:name, or runc defaults', async (t) => {
  t.same(parseSystemdCgroupsPath('system.slice:docker:abc', 'c1'), {
    slice: 'system.slice',
    prefix: 'docker',
    name: 'abc',
  });
  t.same(parseSystemdCgroupsPath(undefined, 'c1'), { slice: 'system.slice', prefix: 'runc', name: 'c1' });
  t.throws(() => parseSystemdCgroupsPath('/a/b', 'c1'), {
    message: 'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/a/b" instead',
  });
});
