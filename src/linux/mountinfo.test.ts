import t from 'tap';

import { parseMountinfo, parseMountinfoLine } from './mountinfo.js';
import { LEGACY_MOUNTINFO } from '../../test/fakes/test-fixtures.js';

t.test('a line with one optional field: every field typed', async (t) => {
  t.strictSame(parseMountinfoLine('29 26 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct'), {
    id: 29,
    parentId: 26,
    major: 0,
    minor: 27,
    root: '/',
    mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
    options: ['rw', 'nosuid', 'relatime'],
    optionalFields: ['shared:10'],
    shared: 10,
    master: undefined,
    fsType: 'cgroup',
    source: 'cgroup',
    superOptions: ['rw', 'cpu', 'cpuacct'],
  });
});

t.test('no optional fields: the separator directly follows the options', async (t) => {
  const e = parseMountinfoLine('36 35 98:0 /mnt1 /mnt2 rw,noatime - ext3 /dev/root rw,errors=continue')!;
  t.same(e.optionalFields, []);
  t.equal(e.shared, undefined);
  t.equal(e.master, undefined);
  t.equal(e.major, 98);
  t.equal(e.root, '/mnt1');
  t.equal(e.fsType, 'ext3');
  t.equal(e.source, '/dev/root');
  t.same(e.superOptions, ['rw', 'errors=continue']);
});

t.test('several optional fields: shared and master peer groups, others kept as they are', async (t) => {
  const e = parseMountinfoLine('40 31 0:37 /docker/abc /sys/fs/cgroup/pids rw shared:1 master:2 propagate_from:3 - cgroup cgroup rw,pids')!;
  t.same(e.optionalFields, ['shared:1', 'master:2', 'propagate_from:3']);
  t.equal(e.shared, 1);
  t.equal(e.master, 2);
  t.equal(e.root, '/docker/abc');
  t.equal(e.mountPoint, '/sys/fs/cgroup/pids');
  t.same(e.superOptions, ['rw', 'pids']);
  t.equal(parseMountinfoLine('41 31 0:38 / /m rw master:7 - tmpfs tmpfs rw')!.master, 7);
});

t.test('octal escapes are decoded in root, mount point, source and options', async (t) => {
  const e = parseMountinfoLine(
    '50 27 0:50 /a\\040b /srv/my\\040dir\\011tab\\134x rw - fuse.sshfs user@host:/my\\040files rw,path=/x\\054y,user_id=0',
  )!;
  t.equal(e.root, '/a b');
  t.equal(e.mountPoint, '/srv/my dir\ttab\\x');
  t.equal(e.fsType, 'fuse.sshfs');
  t.equal(e.source, 'user@host:/my files');
  t.same(e.superOptions, ['rw', 'path=/x,y', 'user_id=0'], 'an escaped comma stays inside its option');
  t.equal(parseMountinfo(LEGACY_MOUNTINFO).at(-1)!.mountPoint, '/mnt/my cgroups');
});

t.test('super options: empty, one, or many; missing ones read as none', async (t) => {
  t.same(parseMountinfoLine('1 0 0:1 / / rw - rootfs rootfs rw,size=100k,nr_inodes=2')!.superOptions, ['rw', 'size=100k', 'nr_inodes=2']);
  t.same(parseMountinfoLine('1 0 0:1 / / rw - rootfs rootfs ')!.superOptions, []);
  t.same(parseMountinfoLine('1 0 0:1 / / rw - rootfs rootfs')!.superOptions, []);
});

t.test('a whole text: one entry per mount in order; lines that are not mountinfo are skipped', async (t) => {
  const entries = parseMountinfo(LEGACY_MOUNTINFO);
  t.equal(entries.length, 11);
  t.same(entries.map((e) => e.id), [25, 26, 27, 29, 30, 31, 32, 33, 34, 35, 36]);
  t.same(entries[1]!.superOptions, ['ro', 'mode=755']);
  t.same(parseMountinfo('garbage\n\n1 2 3\n1 2 0:1 / / rw - \nx 2 0:1 / / rw - tmpfs tmpfs rw\n1 2 zero / / rw - tmpfs tmpfs rw\n'), []);
});
