// maskedPaths and readonlyPaths (config-linux.md "Masked Paths", "Readonly Paths").
//
// Where runc may differ: the spec only says a masked path "cannot be read" and a read-only path is
// read-only. runc masks a file by binding /dev/null over it and a directory by mounting an empty
// read-only tmpfs; another runtime may mask differently, so these tests observe behaviour (empty
// content, writes refused), not the mount table. Paths that do not exist are skipped silently.

import t from 'tap';
import {
  assertSameAsReference,
  observeBoth,
  setupSuite,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

/** Prints "<path> <what a reader sees>" per path. */
const probeRead = (paths: string[]) =>
  paths
    .map(
      (p) =>
        `if [ -d ${p} ]; then echo "${p} dir entries=$(ls -A ${p} | wc -l)"; ` +
        `elif [ -e ${p} ]; then echo "${p} file bytes=$(cat ${p} 2>/dev/null | wc -c)"; ` +
        `else echo "${p} missing"; fi`,
    )
    .join('; ');

const probeWrite = (paths: string[]) =>
  paths.map((p) => `(echo 1 > ${p}) 2>/dev/null && echo "${p} writable" || echo "${p} refused"`).join('; ');

t.test('the default masked paths read as empty', async (t) => {
  const both = await observeBoth(undefined, probeRead(['/proc/keys', '/proc/timer_list', '/proc/acpi', '/sys/firmware']), {
    rootfs: 'shared',
  });
  t.equal(
    both.ocirt.stdout,
    '/proc/keys file bytes=0\n/proc/timer_list file bytes=0\n/proc/acpi dir entries=0\n/sys/firmware dir entries=0\n',
  );
  assertSameAsReference(t, both);
});

t.test('maskedPaths on rootfs files and directories; missing paths are ignored', async (t) => {
  const patch: SpecPatch = (s) => {
    s.root!.readonly = false;
    s.linux!.maskedPaths = ['/etc/passwd', '/home', '/does/not/exist'];
  };
  const both = await observeBoth(
    patch,
    `${probeRead(['/etc/passwd', '/home', '/etc/group'])}; ${probeWrite(['/home/new', '/etc/passwd'])}`,
  );
  t.equal(both.ocirt.status, 0, 'a missing masked path does not fail the container');
  t.equal(
    both.ocirt.stdout,
    [
      '/etc/passwd file bytes=0',
      '/home dir entries=0',
      `/etc/group file bytes=${'root:x:0:\ntty:x:5:\nusers:x:100:test\ntest:x:1000:\nnogroup:x:65534:\n'.length}`,
      '/home/new refused',
      // writing /dev/null (the usual mask) succeeds and changes nothing
      '/etc/passwd writable',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('the default read-only paths refuse writes', async (t) => {
  const both = await observeBoth(undefined, probeWrite(['/proc/sys/kernel/hostname', '/proc/sysrq-trigger']), {
    rootfs: 'shared',
  });
  t.equal(both.ocirt.stdout, '/proc/sys/kernel/hostname refused\n/proc/sysrq-trigger refused\n');
  assertSameAsReference(t, both);
});

t.test('readonlyPaths on a rootfs directory of a writable root', async (t) => {
  const patch: SpecPatch = (s) => {
    s.root!.readonly = false;
    s.linux!.readonlyPaths = ['/home', '/not/there'];
  };
  const both = await observeBoth(patch, `${probeWrite(['/home/x', '/tmp/x'])}; ls /home`);
  t.equal(both.ocirt.status, 0, 'a missing read-only path does not fail the container');
  t.equal(both.ocirt.stdout, '/home/x refused\n/tmp/x writable\ntest\n');
  assertSameAsReference(t, both);
});

t.test('without maskedPaths and readonlyPaths nothing is masked', async (t) => {
  const patch: SpecPatch = (s) => {
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
  };
  const both = await observeBoth(
    patch,
    `${probeRead(['/proc/acpi'])}; grep -E " /proc/(sys|keys|acpi) " /proc/self/mountinfo | wc -l`,
    { rootfs: 'shared' },
  );
  t.match(both.ocirt.stdout, /\n0\n$/, 'no mounts over /proc/sys, /proc/keys, /proc/acpi');
  assertSameAsReference(t, both);
});
