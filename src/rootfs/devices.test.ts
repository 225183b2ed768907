import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { makedev, setupDev } from './devices.js';
import { DEFAULT_DEVICES } from '../plan/devices.js';
import { callLog, makeHost, mountCalls, type Host } from '../../test/fakes/test-helpers.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';
import { runStep } from '../step.js';

function setup(h: Host, spec: SpecLiteral): void {
  setupDev({ sys: h.sys, dev: planOf(spec).dev, rootfs: h.root, step: runStep });
}

const devicesToCreate = (spec: SpecLiteral) => planOf(spec).dev.devices;
const needsDevSetup = (spec: SpecLiteral) => planOf(spec).dev.setup;

t.test('makedev matches glibc for small and large numbers', async (t) => {
  t.equal(makedev(1, 3), 0x103n);
  t.equal(makedev(5, 0), 0x500n);
  t.equal(makedev(136, 2), 0x8802n);
  t.equal(makedev(0x1234, 0x56789), 0x100056723489n); // python os.makedev
  t.equal(makedev(4095, 255), 0xfffffn);
});

t.test('the default devices, unless the config lists the same path; never /dev/ptmx', async (t) => {
  t.same(devicesToCreate({}).map((d) => d.path), DEFAULT_DEVICES.map((d) => d.path));
  const custom = { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600 };
  const fuse = { path: '/dev/fuse', type: 'c', major: 10, minor: 229 };
  const ptmx = { path: '/dev/ptmx', type: 'c', major: 5, minor: 2 };
  const list = devicesToCreate({ linux: { devices: [custom, fuse, ptmx] } });
  t.same(list.map((d) => d.path), ['/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/null', '/dev/fuse']);
  t.match(list[5], { path: '/dev/null', type: 'c', major: 1, minor: 3, mode: 0o600, uid: 0, gid: 0 }, 'the listed one, resolved');
});

t.test('needsDevSetup is false only for a bind-mounted /dev', async (t) => {
  t.ok(needsDevSetup({}));
  t.ok(needsDevSetup({ mounts: [{ destination: '/dev', type: 'tmpfs' }] }));
  t.notOk(needsDevSetup({ mounts: [{ destination: '/dev/', type: 'none', source: '/dev', options: ['rbind'] }] }));
  t.notOk(needsDevSetup({ mounts: [{ destination: '/dev', type: 'bind', source: '/dev' }] }));
});

t.test('linux.devices: types, modes, owners; the umask is cleared around mknod', async (t) => {
  const h = makeHost(t);
  setup(h, {
    linux: {
      devices: [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o660, uid: 1000, gid: 1001 },
        { path: '/dev/sda', type: 'b', major: 8, minor: 0, fileMode: 0o20640 }, // type bits in fileMode are ignored
        { path: '/dev/kbd', type: 'u', major: 11, minor: 0 },
        { path: '/run/fifo', type: 'p', fileMode: 0o600 },
      ],
    },
  });
  const log = callLog(h.sys, h.root);
  t.equal(log[0], 'umask 0o0');
  t.equal(log.at(-1), 'umask 0o22', 'the old umask is restored');
  t.same(log.filter((l) => !/^mknod R\/dev\/(null|zero|full|random|urandom|tty) |^lchown R\/dev\/(null|zero|full|random|urandom|tty) /.test(l)).slice(1, -1), [
    'mknod R/dev/fuse 0o20660 2789n', 'lchown R/dev/fuse 0o1750 0o1751',
    'mknod R/dev/sda 0o60640 2048n', 'lchown R/dev/sda 0o0 0o0',
    'mknod R/dev/kbd 0o20666 2816n', 'lchown R/dev/kbd 0o0 0o0',
    'mknod R/run/fifo 0o10600 0n', 'lchown R/run/fifo 0o0 0o0',
  ]);
  t.ok(fs.statSync(path.join(h.root, 'run')).isDirectory(), 'devices may live outside /dev');
});

t.test('an invalid device type is refused by the plan, at its pointer, before anything is made', async (t) => {
  const h = makeHost(t);
  t.throws(() => setup(h, { linux: { devices: [{ path: '/dev/x', type: 'q', major: 1, minor: 1 }] } }),
    { message: 'invalid config.json: /linux/devices/0/type: q is not a valid device type for device /dev/x' });
  t.same(h.sys.calls, []);
});

t.test('a failing device restores the umask', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mknod', 'EIO');
  t.throws(() => setup(h, {}), { message: /^create device \/dev\/null: / });
  t.equal(callLog(h.sys, h.root).at(-1), 'umask 0o22', 'the umask is restored on failure');
});

t.test('an existing file or symlink at a device path is replaced, never followed', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.root, 'dev'));
  const sentinel = path.join(h.outside, 'sentinel');
  fs.writeFileSync(sentinel, 'host');
  fs.writeFileSync(path.join(h.root, 'dev/null'), 'not a device');
  fs.symlinkSync(sentinel, path.join(h.root, 'dev/zero'));
  setup(h, {});
  t.notOk(fs.existsSync(path.join(h.root, 'dev/null')), 'the file was removed for mknod');
  t.notOk(fs.existsSync(path.join(h.root, 'dev/zero')), 'the symlink itself was removed');
  t.equal(fs.readFileSync(sentinel, 'utf8'), 'host', 'its target is untouched');
  t.ok(h.sys.of('mknod').some(([p]) => p === `${h.root}/dev/null`));

  const dir = makeHost(t);
  fs.mkdirSync(path.join(dir.root, 'dev/null'), { recursive: true });
  t.throws(() => setup(dir, {}), { code: 'EEXIST', message: /create device \/dev\/null: mknod .*a directory is in the way/ });
});

t.test('without permission to mknod, the host device is bind-mounted onto a file', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mknod', 'EPERM', undefined, 100);
  setup(h, { linux: { devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] } });
  t.same(mountCalls(h.sys, h.root), [
    '/dev/null R/dev/null - BIND -', '/dev/zero R/dev/zero - BIND -', '/dev/full R/dev/full - BIND -',
    '/dev/random R/dev/random - BIND -', '/dev/urandom R/dev/urandom - BIND -', '/dev/tty R/dev/tty - BIND -',
    '/dev/fuse R/dev/fuse - BIND -',
  ]);
  t.ok(fs.lstatSync(path.join(h.root, 'dev/fuse')).isFile());
  t.same(h.sys.of('lchown'), []);
});

t.test('in a user namespace (bindOnly) devices are only bind-mounted', async (t) => {
  const h = makeHost(t);
  setupDev({ sys: h.sys, dev: { ...planOf().dev, bindOnly: true }, rootfs: h.root, step: runStep });
  t.same(h.sys.of('mknod'), []);
  t.equal(mountCalls(h.sys, h.root).length, 6);
});

t.test('bindOnly: a file or node already there is bound over, never unlinked (it may be a mount point); a symlink is replaced', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.root, 'dev'));
  fs.writeFileSync(path.join(h.root, 'dev/null'), '');
  const before = fs.statSync(path.join(h.root, 'dev/null')).ino;
  fs.symlinkSync('/etc/passwd', path.join(h.root, 'dev/zero'));
  setupDev({ sys: h.sys, dev: { ...planOf().dev, bindOnly: true }, rootfs: h.root, step: runStep });
  t.equal(fs.statSync(path.join(h.root, 'dev/null')).ino, before, 'the same file');
  t.ok(fs.lstatSync(path.join(h.root, 'dev/zero')).isFile(), 'the symlink was replaced by a file');
  t.equal(mountCalls(h.sys, h.root).length, 6);
  t.same(h.sys.of('mknod'), []);
});

t.test('other mknod errors are not hidden', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mknod', 'EROFS');
  t.throws(() => setup(h, {}), { code: 'EROFS', message: /^create device \/dev\/null: mknod .*\/dev\/null: EROFS \(read-only file system\)$/ });
});

t.test('/dev/ptmx becomes a symlink to pts/ptmx, the /proc/self/fd links and /dev/shm exist', async (t) => {
  const h = makeHost(t);
  fs.mkdirSync(path.join(h.root, 'dev'));
  fs.writeFileSync(path.join(h.root, 'dev/ptmx'), '');
  fs.symlinkSync('/elsewhere', path.join(h.root, 'dev/stdout'));
  setup(h, {});
  t.equal(fs.readlinkSync(path.join(h.root, 'dev/ptmx')), 'pts/ptmx');
  t.equal(fs.readlinkSync(path.join(h.root, 'dev/stdout')), '/elsewhere', 'an existing entry is left alone');
  t.equal(fs.readlinkSync(path.join(h.root, 'dev/stderr')), '/proc/self/fd/2');
  const shm = fs.statSync(path.join(h.root, 'dev/shm'));
  t.ok(shm.isDirectory());
  t.equal(shm.mode & 0o7777, 0o1777);
});

t.test('an image whose /dev is a symlink to a host directory cannot touch that directory', async (t) => {
  for (const link of ['absolute', 'relative']) {
    const h = makeHost(t);
    const marker = path.join(h.outside, 'ptmx');
    fs.writeFileSync(marker, 'host file');
    const target = link === 'absolute' ? h.outside : path.relative(h.root, h.outside);
    fs.symlinkSync(target, path.join(h.root, 'dev'));
    setup(h, {});
    t.same(fs.readdirSync(h.outside), ['ptmx'], `${link}: the host directory still holds only its file`);
    t.equal(fs.readFileSync(marker, 'utf8'), 'host file');
    for (const [p] of h.sys.of('mknod')) t.ok(String(p).startsWith(`${h.root}/`), `${String(p)} is inside the rootfs`);
  }
});
