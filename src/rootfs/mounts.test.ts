import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AT_RECURSIVE, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_RDONLY } from '../../ffi/constants.js';
import type { FakeSys } from '../../test/fakes/fake.js';
import type { MountContext } from './mount-ops.js';
import { mountToRootfs } from './mounts.js';
import { makeHost, mountCalls, short, type Host } from '../../test/fakes/test-helpers.js';
import type { Mount } from '../generated/config.js';
import { mountPlan } from '../../test/fakes/plans.js';

function context(h: Host, extra: Partial<MountContext> = {}): MountContext {
  return { sys: h.sys, rootfs: h.root, cgroupNamespace: false, cgroupPaths: {}, mountinfo: () => '', ...extra };
}

function mountOne(h: Host, m: Mount, extra: Partial<MountContext> = {}): string[] {
  mountToRootfs(context(h, extra), mountPlan(m, h.bundle));
  return mountCalls(h.sys, h.root);
}

function setattrCalls(sys: FakeSys, root: string): unknown[][] {
  return sys.of('mountSetattr').map(([p, ...rest]) => [short(root, p), ...rest]);
}

t.test('bind mounts: source kind decides dir or file, relative sources are bundle-relative', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.bundle, 'data'));
  fs.writeFileSync(path.join(h.bundle, 'hosts'), '127.0.0.1 localhost\n');
  t.same(mountOne(h, { destination: '/mnt/data', type: 'bind', source: 'data' }), [`${h.bundle}/data R/mnt/data - BIND -`]);
  t.ok(fs.statSync(path.join(h.root, 'mnt/data')).isDirectory());
  mountOne(h, { destination: '/etc/hosts', type: 'none', source: `${h.bundle}/hosts`, options: ['rbind'] });
  t.ok(fs.lstatSync(path.join(h.root, 'etc/hosts')).isFile(), 'a file target for a file source');
  t.same(mountCalls(h.sys, h.root)[1], `${h.bundle}/hosts R/etc/hosts - BIND|REC -`, 'type none + rbind is a recursive bind');
});

t.test('bind mounts with flags get a second MS_BIND|MS_REMOUNT call, propagation in between', async (t) => {
  const h = makeHost(t);
  t.same(mountOne(h, { destination: '/ro', type: 'bind', source: '/tmp', options: ['rbind', 'ro', 'nosuid', 'rslave', 'private'] }), [
    '/tmp R/ro - BIND|REC -',
    '- R/ro - REC|SLAVE -',
    '- R/ro - PRIVATE -',
    '- R/ro - RDONLY|NOSUID|REMOUNT|BIND -',
  ]);
  const plain = makeHost(t);
  t.same(mountOne(plain, { destination: '/rw', type: 'bind', source: '/tmp', options: ['rbind'] }), ['/tmp R/rw - BIND|REC -'],
    'no flags asked: no remount');
  const cleared = makeHost(t);
  t.same(mountOne(cleared, { destination: '/rw', type: 'bind', source: '/tmp', options: ['bind', 'rw'] }),
    ['/tmp R/rw - BIND -', '- R/rw - REMOUNT|BIND -'], 'a cleared flag (rw) also remounts');
});

t.test('a refused bind remount is retried keeping the locked flags of the source', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mount', 'EPERM', (a) => ((a[3] as number) & 0x20) !== 0); // MS_REMOUNT
  // The source is nosuid,nodev,relatime (ST_NOSUID|ST_NODEV|ST_RELATIME).
  h.sys.statfsResults.set('/tmp', { type: 0, flags: 0x2 | 0x4 | 0x1000 });
  t.same(mountOne(h, { destination: '/ro', type: 'bind', source: '/tmp', options: ['bind', 'ro'] }), [
    '/tmp R/ro - BIND -',
    '- R/ro - RDONLY|REMOUNT|BIND -',
    '- R/ro - RDONLY|NOSUID|NODEV|REMOUNT|BIND|RELATIME -',
  ]);

  // Asking to clear a locked flag (suid on a nosuid source) cannot be honoured: the error stands.
  const locked = makeHost(t);
  locked.sys.failOn('mount', 'EPERM', (a) => ((a[3] as number) & 0x20) !== 0);
  locked.sys.statfsResults.set('/tmp', { type: 0, flags: 0x2 });
  t.throws(() => mountOne(locked, { destination: '/x', type: 'bind', source: '/tmp', options: ['bind', 'suid'] }), {
    message: /^mount \/tmp to \/x \(type bind\): mount .* on .*\/rootfs\/x: EPERM \(operation not permitted\)$/,
    code: 'EPERM',
  });
  t.equal(locked.sys.of('mount').length, 2, 'no retry');
});

t.test('a missing bind source fails naming the mount and the source', async (t) => {
  const h = makeHost(t);
  t.throws(() => mountOne(h, { destination: '/x', type: 'bind', source: 'nope' }), {
    message: `mount nope to /x (type bind): stat ${h.bundle}/nope: ENOENT`,
  });
});

t.test('recursive attributes use mount_setattr(AT_RECURSIVE) on the target', async (t) => {
  const h = makeHost(t);
  mountOne(h, { destination: '/v', type: 'bind', source: '/tmp', options: ['rbind', 'rro', 'rnoexec', 'rexec', 'rnoexec'] });
  t.same(setattrCalls(h.sys, h.root), [['R/v', AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0, 0]]);
  const clr = makeHost(t);
  mountOne(clr, { destination: '/v', type: 'bind', source: '/tmp', options: ['rbind', 'rrw'] });
  t.same(setattrCalls(clr.sys, clr.root), [['R/v', AT_RECURSIVE, 0, MOUNT_ATTR_RDONLY, 0]]);
});

t.test('an id-mapped bind attaches the runtime\'s mapped copy with move_mount, then takes its flags like any bind', async (t) => {
  const h = makeHost(t);
  const own = [{ containerID: 0, hostID: 1000, size: 1 }];
  const m = mountPlan({ destination: '/v', type: 'bind', source: '/tmp', options: ['rbind', 'ro', 'rslave', 'idmap'], uidMappings: own, gidMappings: own });
  mountToRootfs(context(h), m, 7);
  t.same(h.sys.of('moveMount').map(([fd, target]) => [fd, short(h.root, target)]), [[7, 'R/v']]);
  t.same(mountCalls(h.sys, h.root), ['- R/v - REC|SLAVE -', '- R/v - RDONLY|REMOUNT|BIND -'], 'no new bind: propagation and flags only');
  t.ok(fs.statSync(path.join(h.root, 'v')).isDirectory(), 'its mount point made like a bind\'s');
  const none = makeHost(t);
  t.throws(() => mountToRootfs(context(none), m), /mount \/tmp to \/v \(type bind\): the runtime gave no id-mapped source for this mount/);
  t.same(none.sys.calls.filter((c) => c.name === 'mount' || c.name === 'moveMount'), [], 'never bound unmapped');
});

t.test('tmpfs: data passed through, read-only deferred, an existing directory keeps its mode', async (t) => {
  const h = makeHost(t);
  t.same(mountOne(h, { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'size=1m', 'mode=700'] }),
    ['tmpfs R/run tmpfs NOSUID size=1m,mode=700']);
  fs.mkdirSync(path.join(h.root, 'tmp'));
  fs.chmodSync(path.join(h.root, 'tmp'), 0o1777);
  mountOne(h, { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
  t.same(mountCalls(h.sys, h.root)[1], 'tmpfs R/tmp tmpfs 0 mode=1777,size=1m');
  mountOne(h, { destination: '/nosrc', type: 'tmpfs' });
  t.same(mountCalls(h.sys, h.root)[2], 'tmpfs R/nosrc tmpfs 0 -', 'the source defaults to the type');
});

t.test('tmpcopyup is a no-op when nothing got mounted (fake), and keeps the files', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.root, 'etc'));
  fs.writeFileSync(path.join(h.root, 'etc/x'), 'x');
  mountOne(h, { destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] });
  t.equal(fs.readFileSync(path.join(h.root, 'etc/x'), 'utf8'), 'x');
});

t.test('devpts, mqueue and other types: flags and data as given', async (t) => {
  const h = makeHost(t);
  mountOne(h, { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] });
  mountOne(h, { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] });
  mountOne(h, { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] });
  mountOne(h, { destination: '/mnt/o', type: 'overlay', source: 'overlay', options: ['lowerdir=/a', 'upperdir=/b', 'ro', 'shared'] });
  t.same(mountCalls(h.sys, h.root), [
    'devpts R/dev/pts devpts NOSUID|NOEXEC newinstance,ptmxmode=0666,mode=0620,gid=5',
    'mqueue R/dev/mqueue mqueue NOSUID|NODEV|NOEXEC -',
    'sysfs R/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -',
    'overlay R/mnt/o overlay RDONLY lowerdir=/a,upperdir=/b',
    '- R/mnt/o - SHARED -',
  ]);
});

t.test('a sysfs the kernel refuses (a user namespace without its own network) is the host\'s /sys, bound recursively', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mount', 'EPERM', (a) => a[2] === 'sysfs');
  t.same(mountOne(h, { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] }), [
    'sysfs R/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -',
    '/sys R/sys - BIND|REC -',
    '- R/sys - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND -',
  ]);
  t.same(setattrCalls(h.sys, h.root), [['R/sys', AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0, 0]], 'read-only down to every mount below');
  const other = makeHost(t);
  other.sys.failOn('mount', 'EACCES', (a) => a[2] === 'sysfs');
  t.throws(() => mountOne(other, { destination: '/sys', type: 'sysfs', source: 'sysfs' }), /EACCES/, 'any other error stands');
  const proc = makeHost(t);
  proc.sys.failOn('mount', 'EPERM', (a) => a[2] === 'proc');
  t.throws(() => mountOne(proc, { destination: '/proc', type: 'proc', source: 'proc' }), /EPERM/, 'proc gets no such fallback');
});

t.test('proc and sysfs refuse a destination that is a symlink or not a directory', async (t) => {
  for (const link of ['/bad-proc', '../bad-proc']) {
    const h = makeHost(t);
    fs.symlinkSync(link, path.join(h.root, 'proc'));
    t.throws(() => mountOne(h, { destination: '/proc', type: 'proc', source: 'proc' }), /filesystem "proc" must be mounted on ordinary directory/);
    t.same(h.sys.of('mount'), []);
  }
  const h = makeHost(t);
  fs.writeFileSync(path.join(h.root, 'sys'), '');
  t.throws(() => mountOne(h, { destination: '/sys', type: 'sysfs', source: 'sysfs' }), /filesystem "sysfs" must be mounted on ordinary directory/);
});

t.test('nothing but procfs on /proc, and only the lxcfs files below it', async (t) => {
  const h = makeHost(t);
  t.throws(() => mountOne(h, { destination: '/proc', type: 'tmpfs', source: 'tmpfs' }), /\/proc cannot be mounted because it is not of type proc/);
  t.throws(() => mountOne(h, { destination: '/proc', type: 'bind', source: '/sys', options: ['rbind'] }), /not of type proc/);
  t.throws(() => mountOne(h, { destination: '/proc/sys/kernel/x', type: 'bind', source: '/tmp' }), /cannot be mounted because it is inside \/proc/);
  t.throws(() => mountOne(h, { destination: '/proc/self/attr', type: 'tmpfs' }), /inside \/proc/);
  fs.writeFileSync(path.join(h.host, 'cpuinfo'), '');
  t.doesNotThrow(() => mountOne(h, { destination: '/proc/cpuinfo', type: 'bind', source: `${h.host}/cpuinfo` }));
  h.sys.statfsResults.set('/proc', { type: 0x9fa0, flags: 0 });
  t.doesNotThrow(() => mountOne(h, { destination: '/proc', type: 'bind', source: '/proc', options: ['rbind'] }), 'a bind of a real procfs');
});

t.test('cgroup and cgroup2 mounts are held to the /proc rule too, before anything is mounted', async (t) => {
  for (const type of ['cgroup', 'cgroup2', 'tmpfs', 'bind']) {
    for (const [destination, message] of [
      ['/proc', /\/proc cannot be mounted because it is not of type proc/],
      ['/proc/sys', /\/proc\/sys cannot be mounted because it is inside \/proc/],
      ['/proc/self/attr', /\/proc\/self\/attr cannot be mounted because it is inside \/proc/],
    ] as const) {
      const h = makeHost(t);
      const m = type === 'bind' ? { destination, type, source: h.outside, options: ['rbind'] } : { destination, type, source: type };
      t.throws(() => mountOne(h, m), message, `${type} at ${destination}`);
      t.same(mountCalls(h.sys, h.root), [], `${type} at ${destination}: nothing mounted`);
    }
  }
});

t.test('symlinks in the destination cannot lead a mount out of the rootfs', async (t) => {
  // 'HOST': an absolute link to the host's sentinel directory, taken as a path inside the rootfs.
  for (const link of ['/', '../../..', 'HOST']) {
    const h = makeHost(t);
    fs.symlinkSync(link === 'HOST' ? h.outside : link, path.join(h.root, 'mnt'));
    mountOne(h, { destination: '/mnt/x', type: 'tmpfs', source: 'tmpfs' });
    mountOne(h, { destination: '/mnt/y/z', type: 'bind', source: h.outside });
    const expectedDir = link === 'HOST' ? `R${h.outside}` : 'R';
    t.same(mountCalls(h.sys, h.root), [`tmpfs ${expectedDir}/x tmpfs 0 -`, `${h.outside} ${expectedDir}/y/z - BIND -`], link);
    t.same(fs.readdirSync(h.outside), [], 'nothing created on the host');
  }
  // Before /proc is mounted, /proc/self/root is just a path in the image, and one inside /proc.
  const viaProc = makeHost(t);
  fs.symlinkSync('/proc/self/root', path.join(viaProc.root, 'mnt'));
  t.throws(() => mountOne(viaProc, { destination: '/mnt/x', type: 'tmpfs', source: 'tmpfs' }), /inside \/proc/);
  const h = makeHost(t);
  t.same(mountOne(h, { destination: '/../../../tmp/evil', type: 'tmpfs', source: 'tmpfs' }), ['tmpfs R/tmp/evil tmpfs 0 -']);
  t.same(mountOne(h, { destination: 'relative/dir', type: 'tmpfs', source: 'tmpfs' })[1], 'tmpfs R/relative/dir tmpfs 0 -');
});

t.test('a bind target through a dangling symlink lands inside the rootfs', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.root, 'etc'));
  fs.symlinkSync('/jump/baz/hosts', path.join(h.root, 'etc/hosts'));
  fs.symlinkSync(`${h.outside}/foo/bar`, path.join(h.root, 'jump'));
  fs.writeFileSync(path.join(h.bundle, 'hosts'), '');
  t.same(mountOne(h, { destination: '/etc/hosts', type: 'bind', source: 'hosts' }),
    [`${h.bundle}/hosts R${h.outside}/foo/bar/baz/hosts - BIND -`]);
  t.ok(fs.lstatSync(`${h.root}${h.outside}/foo/bar/baz/hosts`).isFile());
  t.same(fs.readdirSync(h.outside), [], 'host /outside/foo was not created');
});
