import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AT_RECURSIVE, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY } from '../../ffi/constants.js';
import { mountHolding, prepareRootfs } from './prepare.js';
import { V1_CGROUP_PATHS, V1_MOUNTINFO, callLog, makeHost, mountCalls, runcDefaultMounts, short } from '../../test/fakes/test-helpers.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';

const kcore = fs.existsSync('/proc/kcore');

/** The container has a mount namespace of its own, as every engine's config asks. */
function inMountNamespace(spec: SpecLiteral): SpecLiteral {
  const namespaces = (spec.linux?.namespaces ?? []) as { type: string }[];
  return { ...spec, linux: { ...spec.linux, namespaces: [...namespaces, { type: 'mount' }] } };
}

t.test('a runc-default config: propagation, rootfs bind, mounts in order, then /dev', async (t) => {
  const { sys, root, bundle } = makeHost(t);
  const steps: string[] = [];
  const spec: SpecLiteral = inMountNamespace({ mounts: runcDefaultMounts() });
  prepareRootfs(sys, {
    plan: planOf(spec, { rootfs: root, bundle }), cgroupPaths: V1_CGROUP_PATHS, mountinfo: V1_MOUNTINFO,
    step: (name, fn) => { steps.push(name); return fn(); },
  });

  t.same(callLog(sys, root), [
    'mount - / - REC|SLAVE -',
    // the rootfs parent (/ here) is a slave already: left as it is
    'mount R R - BIND|REC -',
    'mount proc R/proc proc 0 -',
    'mount tmpfs R/dev tmpfs NOSUID|STRICTATIME mode=755,size=65536k',
    'mount devpts R/dev/pts devpts NOSUID|NOEXEC newinstance,ptmxmode=0666,mode=0620,gid=5',
    'mount shm R/dev/shm tmpfs NOSUID|NODEV|NOEXEC mode=1777,size=65536k',
    'mount mqueue R/dev/mqueue mqueue NOSUID|NODEV|NOEXEC -',
    'mount sysfs R/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -',
    // cgroup v1: a tmpfs (left writable, as in runc), one bind (remounted with the flags) per hierarchy
    'mount tmpfs R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755',
    'mount /sys/fs/cgroup/cpu,cpuacct/ocirt/c1 R/sys/fs/cgroup/cpu,cpuacct - BIND|REC -',
    'mount - R/sys/fs/cgroup/cpu,cpuacct - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -',
    'mount /sys/fs/cgroup/memory/ocirt/c1 R/sys/fs/cgroup/memory - BIND|REC -',
    'mount - R/sys/fs/cgroup/memory - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -',
    'mount /sys/fs/cgroup/systemd/ocirt/c1 R/sys/fs/cgroup/systemd - BIND|REC -',
    'mount - R/sys/fs/cgroup/systemd - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -',
    // default devices, with an exact mode (umask 0 around them)
    'umask 0o0',
    'mknod R/dev/null 0o20666 259n', 'lchown R/dev/null 0o0 0o0',
    'mknod R/dev/zero 0o20666 261n', 'lchown R/dev/zero 0o0 0o0',
    'mknod R/dev/full 0o20666 263n', 'lchown R/dev/full 0o0 0o0',
    'mknod R/dev/random 0o20666 264n', 'lchown R/dev/random 0o0 0o0',
    'mknod R/dev/urandom 0o20666 265n', 'lchown R/dev/urandom 0o0 0o0',
    'mknod R/dev/tty 0o20666 1280n', 'lchown R/dev/tty 0o0 0o0',
    'umask 0o22',
  ]);

  t.same(steps.slice(0, 11), [
    'root propagation', 'rootfs parent propagation', 'bind rootfs',
    'mount /proc', 'mount /dev', 'mount /dev/pts', 'mount /dev/shm', 'mount /dev/mqueue', 'mount /sys', 'mount /sys/fs/cgroup',
    'device /dev/null',
  ]);
  t.same(steps.slice(-3), ['/dev/ptmx', '/dev symlinks', '/dev/shm']);

  // What the fake could not do (mounts) is absent; what is plain fs work is there.
  for (const d of ['proc', 'dev/pts', 'dev/shm', 'dev/mqueue', 'sys/fs/cgroup/memory']) {
    t.ok(fs.statSync(path.join(root, d)).isDirectory(), `${d} created`);
  }
  t.equal(fs.readlinkSync(path.join(root, 'sys/fs/cgroup/cpu')), 'cpu,cpuacct', 'co-mounted controllers get symlinks');
  t.equal(fs.readlinkSync(path.join(root, 'sys/fs/cgroup/cpuacct')), 'cpu,cpuacct');
  t.notOk(fs.existsSync(path.join(root, 'sys/fs/cgroup/unified')), 'the hybrid cgroup2 part is not shown (as runc)');
  t.equal(fs.readlinkSync(path.join(root, 'dev/ptmx')), 'pts/ptmx');
  t.equal(fs.readlinkSync(path.join(root, 'dev/fd')), '/proc/self/fd');
  t.equal(fs.readlinkSync(path.join(root, 'dev/stdin')), '/proc/self/fd/0');
  t.equal(fs.readlinkSync(path.join(root, 'dev/stdout')), '/proc/self/fd/1');
  t.equal(fs.readlinkSync(path.join(root, 'dev/stderr')), '/proc/self/fd/2');
  t.equal(fs.existsSync(path.join(root, 'dev/core')) || isLink(path.join(root, 'dev/core')), kcore, '/dev/core only with /proc/kcore');
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

t.test('rootfsPropagation sets the propagation of /', async (t) => {
  const cases: [string | undefined, string][] = [
    [undefined, 'REC|SLAVE'],
    ['slave', 'SLAVE'],
    ['private', 'PRIVATE'],
    ['rprivate', 'REC|PRIVATE'],
    ['shared', 'SHARED'],
    ['rshared', 'REC|SHARED'],
    // an unbindable / could not be bound: it is applied after pivot_root (finalize)
    ['unbindable', 'REC|SLAVE'],
  ];
  for (const [value, root] of cases) {
    const h = makeHost(t);
    prepareRootfs(h.sys, { plan: planOf(inMountNamespace({ linux: { rootfsPropagation: value } }), { rootfs: h.root, bundle: h.bundle }), mountinfo: hostMountinfo(h.host, '') });
    t.same(mountCalls(h.sys, h.root), [`- / - ${root} -`, 'R R - BIND|REC -'], String(value));
  }
  // An unknown value never reaches the init: the plan refuses it.
  t.throws(() => planOf(inMountNamespace({ linux: { rootfsPropagation: 'sideways' } })),
    /\/linux\/rootfsPropagation: rootfsPropagation=sideways is not supported/);
});

/** A mountinfo where `host` is a tmpfs mount with these optional fields (shared:N, master:N). */
function hostMountinfo(host: string, optional: string): string {
  const escaped = host.replace(/ /g, '\\040');
  return [
    '27 1 254:0 / / rw,relatime master:1 - ext4 /dev/vda rw',
    `50 27 0:50 / ${escaped} rw,relatime ${optional} - tmpfs tmpfs rw`.replace('  ', ' '),
    '',
  ].join('\n');
}

t.test('a shared rootfs parent mount is made private; a slave or private one is left alone', async (t) => {
  for (const [optional, calls] of [
    ['shared:7', ['- H - PRIVATE -']],
    ['shared:7 master:1', ['- H - PRIVATE -']],
    ['master:7', []],
    ['', []],
  ] as [string, string[]][]) {
    const h = makeHost(t);
    prepareRootfs(h.sys, { plan: planOf(inMountNamespace({}), { rootfs: h.root, bundle: h.bundle }), mountinfo: hostMountinfo(h.host, optional) });
    t.same(mountCalls(h.sys, h.root).slice(1, -1).map((c) => c.replace(h.host, 'H')), calls, optional || 'private');
  }
});

t.test('the rootfs parent is the deepest mount holding the rootfs, the top one when stacked', async (t) => {
  const info = [
    '27 1 254:0 / / rw shared:1 - ext4 /dev/vda rw',
    '30 27 0:30 / /srv/my\\040dir rw shared:2 - tmpfs tmpfs rw',
    '31 30 0:31 / /srv/my\\040dir rw master:3 - tmpfs tmpfs rw',
    '32 27 0:32 / /srv/my rw shared:4 - tmpfs tmpfs rw',
    '',
  ].join('\n');
  t.same(mountHolding(info, '/srv/my dir/bundle/rootfs'), { mountPoint: '/srv/my dir', shared: false });
  t.same(mountHolding(info, '/srv/mydir/rootfs'), { mountPoint: '/', shared: true });
  t.same(mountHolding(info, '/srv/my'), { mountPoint: '/srv/my', shared: true });
  t.equal(mountHolding('', '/x'), undefined);
  const h = makeHost(t);
  t.throws(() => prepareRootfs(h.sys, { plan: planOf(inMountNamespace({}), { rootfs: h.root, bundle: h.bundle }), mountinfo: '' }), /no mount holds/);
});

t.test('a config that bind-mounts /dev gets no device setup', async (t) => {
  const { sys, root, bundle } = makeHost(t);
  prepareRootfs(sys, { plan: planOf({ mounts: [{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] }] }, { rootfs: root, bundle }) });
  t.same(sys.of('mknod'), []);
  t.notOk(fs.existsSync(path.join(root, 'dev/ptmx')));
  t.same(mountCalls(sys, root).at(-1), '/dev R/dev - BIND|REC -');
});

t.test('errors name the mount, the syscall, its target and the errno', async (t) => {
  const { sys, root, bundle } = makeHost(t);
  sys.failOn('mount', 'EPERM', (a) => a[2] === 'proc');
  t.throws(() => prepareRootfs(sys, { plan: planOf({ mounts: runcDefaultMounts() }, { rootfs: root, bundle }) }), {
    message: `mount proc to /proc (type proc): mount proc on ${root}/proc: EPERM`,
    code: 'EPERM',
  });
});

t.test('a missing rootfs is an error naming it', async (t) => {
  const { sys, host, bundle } = makeHost(t);
  t.throws(() => prepareRootfs(sys, { plan: planOf({}, { rootfs: `${host}/nope`, bundle }) }), { message: `rootfs: realpath ${host}/nope: ENOENT` });
  t.same(sys.calls, []);
});

t.test('recursive attributes wait for finalize on tmpfs and /dev, and apply at once elsewhere', async (t) => {
  const { sys, root, bundle } = makeHost(t);
  prepareRootfs(sys, {
    plan: planOf({
      mounts: [
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['rro', 'ro'] },
        { destination: '/data', type: 'bind', source: '/tmp', options: ['rbind', 'rro', 'rnosuid'] },
      ],
      linux: { devices: [] },
    }, { rootfs: root, bundle }),
  });
  t.same(sys.of('mountSetattr').map(([p, ...rest]) => [short(root, p), ...rest]), [
    ['R/data', AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0],
  ]);
  t.ok(mountCalls(sys, root).includes('tmpfs R/dev tmpfs 0 -'), '/dev is mounted writable; finalize makes it read-only');
});
