import t from 'tap';

import { enterRootfs } from './pivot.js';
import { callLog, makeHost } from '../../test/fakes/test-helpers.js';

t.test('pivot_root(".", "."), then the old root (reached through "..") is made rslave and detached', async (t) => {
  const { sys, root } = makeHost(t);
  const steps: string[] = [];
  enterRootfs(sys, { rootfs: root, step: (name, fn) => { steps.push(name); return fn(); } });
  t.same(callLog(sys, root), [
    'chdir R',
    'pivotRoot . .',
    'chdir ..',
    'mount - . - REC|SLAVE -',
    'umount2 . 0o2',
    'chdir /',
  ]);
  t.same(steps, ['chdir rootfs', 'pivot_root', 'chdir old root', 'make old root rslave', 'detach old root', 'chdir /']);
});

t.test('a failing pivot_root stops there', async (t) => {
  const { sys, root } = makeHost(t);
  sys.failOn('pivotRoot', 'EINVAL');
  t.throws(() => enterRootfs(sys, { rootfs: root }), { code: 'EINVAL', syscall: 'pivotRoot' });
  t.same(sys.of('umount2'), []);
});

t.test('--no-pivot: host proc and sysfs are detached (or covered), then MS_MOVE and chroot', async (t) => {
  const { sys, root } = makeHost(t);
  const mountinfo = [
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
    '24 23 0:22 /kernel /mnt/kernel rw,relatime - sysfs sysfs rw', // not a full mount: harmless
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '28 22 0:44 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw',
    `60 65 0:40 / ${root}/proc rw - proc proc rw`, // the container's own
    '',
  ].join('\n');
  sys.failOn('umount2', 'EPERM', (a) => a[0] === '/sys');
  enterRootfs(sys, { rootfs: root, noPivot: true, mountinfo });
  t.same(callLog(sys, root), [
    'chdir R',
    'mount - /proc - REC|SLAVE -',
    'umount2 /proc 0o2',
    'mount - /sys - REC|SLAVE -',
    'umount2 /sys 0o2',
    'mount tmpfs /sys tmpfs 0 -', // not allowed to detach: covered instead
    'mount R / - MOVE -',
    'chroot .',
    'chdir /',
  ]);
});

t.test('--no-pivot skips host mounts that went away with a parent', async (t) => {
  const { sys, root } = makeHost(t);
  sys.failOn('mount', 'ENOENT', (a) => a[1] === '/sys');
  enterRootfs(sys, { rootfs: root, noPivot: true, mountinfo: '23 27 0:22 / /sys rw - sysfs sysfs rw\n' });
  t.same(callLog(sys, root).slice(1, 3), ['mount - /sys - REC|SLAVE -', 'mount R / - MOVE -']);
});
