// create/run flags and process fields that need no kernel feature of their own:
// --no-pivot (MS_MOVE + chroot instead of pivot_root), --preserve-fds, --no-new-keyring,
// and apparmorProfile/selinuxLabel on a host where neither LSM is enabled: refused at
// create, as runc refuses them (runc 1.1.5 fails applying the AppArmor profile).
//
// Where runc may differ: nothing the spec pins here; the tests compare with runc.

import t from 'tap';
import * as fs from 'node:fs';
import { assertSameAsReference, observeBoth, setupSuite } from './helpers.js';

setupSuite(t);

const SHARED = { rootfs: 'shared' as const };

t.test('--no-pivot runs the container chrooted on the moved rootfs', async (t) => {
  const both = await observeBoth(undefined, 'cat /proc/self/mountinfo | awk \'$5 == "/" {print $4, $5}\'; ls /', {
    ...SHARED,
    extraArgs: ['--no-pivot'],
  });
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.match(both.ocirt.stdout, /\bbin\b/, 'the container sees its own rootfs');
  assertSameAsReference(t, both, ['status'], '--no-pivot');
  t.same(both.ocirt.stdout.split('\n').slice(1), both.runc.stdout.split('\n').slice(1), 'same root listing as runc');
});

t.test('--no-new-keyring keeps the caller\'s session keyring', async (t) => {
  const both = await observeBoth(undefined, 'head -c 0 /proc/self/status; echo ok', { ...SHARED, extraArgs: ['--no-new-keyring'] });
  t.equal(both.ocirt.stdout, 'ok\n');
  assertSameAsReference(t, both);
});

t.test('apparmorProfile and selinuxLabel are refused when the LSM is not enabled', async (t) => {
  t.notOk(fs.existsSync('/sys/fs/selinux/enforce'), 'SELinux is not enabled on this host');
  t.notOk(fs.existsSync('/sys/kernel/security/apparmor'), 'AppArmor is not enabled on this host');
  for (const [field, value, message] of [
    ['selinuxLabel', 'system_u:system_r:container_t:s0', /selinux label is specified in config, but selinux is disabled or not supported/],
    ['apparmorProfile', 'ocirt-test-profile', /apparmor profile is specified in config, but apparmor is disabled or not supported/],
  ] as const) {
    const both = await observeBoth((s) => void ((s.process as Record<string, unknown>)[field] = value), 'echo ran', SHARED);
    t.equal(both.ocirt.status, 1, `${field}: create fails`);
    t.match(both.ocirt.stderr, message, `${field}: the error says why`);
    t.notMatch(both.ocirt.stdout, /ran/, `${field}: the process did not run`);
    assertSameAsReference(t, both, ['status'], field);
  }
});
