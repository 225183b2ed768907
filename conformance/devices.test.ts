// Devices (config-linux.md "Devices", "Default Devices", "/dev symbolic links", and the device
// cgroup in "Allowed Device list").
//
// Where runc may differ: the spec lists the default devices but not the default device-cgroup
// rules; runc also allows /dev/net/tun (10:200) and every pts (136:*) by default. A missing
// fileMode defaults to 0666 in runc (the spec does not say). Neither is relied on beyond what
// runc shows.

import t from 'tap';
import {
  assertSameAsReference,
  observeBoth,
  setupSuite,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

const STAT = 'stat -c "%n %F %t:%T %a %u:%g"';

t.test('default devices exist with the right numbers and modes', async (t) => {
  const both = await observeBoth(
    undefined,
    `for d in null zero full random urandom tty; do ${STAT} /dev/$d; done; ls /dev | tr "\\n" " "; echo; [ -e /dev/console ] && echo console || echo no-console`,
    { rootfs: 'shared' },
  );
  t.equal(
    both.ocirt.stdout,
    [
      '/dev/null character special file 1:3 666 0:0',
      '/dev/zero character special file 1:5 666 0:0',
      '/dev/full character special file 1:7 666 0:0',
      '/dev/random character special file 1:8 666 0:0',
      '/dev/urandom character special file 1:9 666 0:0',
      '/dev/tty character special file 5:0 666 0:0',
      'fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ',
      'no-console',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('the /dev symbolic links', async (t) => {
  const both = await observeBoth(
    undefined,
    'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done',
    { rootfs: 'shared' },
  );
  t.equal(
    both.ocirt.stdout,
    'fd -> /proc/self/fd\nstdin -> /proc/self/fd/0\nstdout -> /proc/self/fd/1\nstderr -> /proc/self/fd/2\nptmx -> pts/ptmx\n',
  );
  assertSameAsReference(t, both);
});

t.test('default devices are usable under the deny-all device cgroup', async (t) => {
  const both = await observeBoth(
    undefined,
    [
      'echo x > /dev/null && echo null-ok',
      'head -c 4 /dev/zero | wc -c',
      'head -c 4 /dev/urandom | wc -c',
      'echo x 2>/dev/null > /dev/full || echo full-enospc',
    ].join('; '),
    { rootfs: 'shared' },
  );
  t.equal(both.ocirt.stdout, 'null-ok\n4\n4\nfull-enospc\n');
  assertSameAsReference(t, both);
});

t.test('linux.devices creates nodes with the given type, numbers, mode and owner', async (t) => {
  const patch: SpecPatch = (s) => {
    s.linux!.devices = [
      { path: '/dev/custom-null', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 100 },
      { path: '/dev/deep/dir/zero', type: 'c', major: 1, minor: 5 },
      { path: '/dev/loopish', type: 'b', major: 7, minor: 200, fileMode: 0o600 },
      { path: '/dev/pipe-node', type: 'p', fileMode: 0o644 },
    ];
  };
  const both = await observeBoth(
    patch,
    `${STAT} /dev/custom-null /dev/deep/dir/zero /dev/loopish /dev/pipe-node; echo hi > /dev/custom-null || echo no-write-for-root-without-caps`,
    { rootfs: 'shared' },
  );
  t.equal(
    both.ocirt.stdout,
    [
      '/dev/custom-null character special file 1:3 640 1000:100',
      '/dev/deep/dir/zero character special file 1:5 666 0:0',
      '/dev/loopish block special file 7:c8 600 0:0',
      '/dev/pipe-node fifo 0:0 644 0:0',
      // root has no CAP_DAC_OVERRIDE here and the node is 0640 owned by uid 1000
      'no-write-for-root-without-caps',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

