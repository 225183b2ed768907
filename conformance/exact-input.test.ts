// Config values the kernel would misread: a uid past 2147483647 ((uid_t)-1 means "unchanged" to
// setresuid), a NUL inside a mount option (the kernel would cut the option there), and the sysctl
// slash spelling (sysctl.d(5): `kernel/shmmax` is `kernel.shmmax`). runc 1.1.5 refuses the first two
// (at init time; ocirt before anything is made) and accepts the third.

import t from 'tap';
import { assertSameAsReference, observeBoth, setupSuite } from './helpers.js';

setupSuite(t);

const SHARED = { rootfs: 'shared' as const };

t.test('uid 4294967295 is refused, not run as root', async (t) => {
  const both = await observeBoth((s) => void (s.process!.user = { uid: 4294967295, gid: 0 }), 'id -u', SHARED);
  t.not(both.ocirt.status, 0, 'run fails');
  t.equal(both.ocirt.stdout, '', 'nothing ran');
  t.match(both.ocirt.stderr, 'uids and gids must be in range 0-2147483647');
  t.match(both.runc.stderr, 'uids and gids must be in range 0-2147483647');
  assertSameAsReference(t, both);
});

t.test('uid 2147483647, the largest, runs', async (t) => {
  const both = await observeBoth((s) => void (s.process!.user = { uid: 2147483647, gid: 2147483647 }), 'id -u; id -g', SHARED);
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(both.ocirt.stdout, '2147483647\n2147483647\n');
  assertSameAsReference(t, both);
});

t.test('a mount option with a NUL is refused', async (t) => {
  const both = await observeBoth(
    (s) => void s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['mode=0700\u0000,exec'] }),
    'true',
    SHARED,
  );
  t.not(both.ocirt.status, 0, 'run fails');
  t.match(both.ocirt.stderr, 'contains a NUL byte');
  assertSameAsReference(t, both);
});

t.test('the sysctl slash spelling sets the sysctl', async (t) => {
  const both = await observeBoth(
    (s) => void (s.linux!.sysctl = { 'kernel/shmmax': '1234567', 'kernel/shmmni': '1000' }),
    'cat /proc/sys/kernel/shmmax /proc/sys/kernel/shmmni',
    SHARED,
  );
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(both.ocirt.stdout, '1234567\n1000\n');
  assertSameAsReference(t, both);
});
