// Root filesystem (config.md "Root", config-linux.md "Rootfs Mount Propagation").
//
// Where runc may differ from a literal reading of the spec: runc applies rootfsPropagation to the
// whole mount tree of the new mount namespace *before* pivot_root, and pivot_root then detaches the
// old root. So with "shared" or "slave" the container's "/" ends up private (its peer/master was in
// the detached old root), and with the default (runc uses rslave) it stays a slave of the host's
// mount. The tests pin runc's observable result. "unbindable" is not tested: runc 1.1.5 fails to
// bind the rootfs from under an unbindable tree (EINVAL).

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertSameAsReference,
  ROOTFS,
  hostFsTypeOf,
  hostMount,
  mountSummary,
  observeBoth,
  setupSuite,
  sh,
  tempDir,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

t.test('root.readonly: true makes / read-only', async (t) => {
  const both = await observeBoth(
    (s) => void (s.root!.readonly = true),
    'touch /probe 2>/dev/null && echo wrote || echo refused; cat /proc/self/mountinfo',
    { normalize: (text) => text.split('\n')[0] + '\n' + mountSummary(text, ['/']) },
  );
  t.equal(both.ocirt.stdout, `refused\n/ ${hostFsTypeOf(ROOTFS)} ro,relatime\n`);
  assertSameAsReference(t, both);
});

t.test('root.readonly: false lets the container write to its rootfs', async (t) => {
  const both = await observeBoth((s) => void (s.root!.readonly = false), 'echo data > /probe && cat /probe');
  t.equal(both.ocirt.stdout, 'data\n');
  t.equal(fs.readFileSync(path.join(both.ocirt.bundle.rootfs, 'probe'), 'utf8'), 'data\n', 'the write landed in the bundle rootfs');
  assertSameAsReference(t, both);
});

t.test('root.path may be absolute', async (t) => {
  // 'shared' bundles point root.path at the shared rootfs by absolute path.
  const both = await observeBoth(undefined, 'cat /etc/rootfs-release', { rootfs: 'shared' });
  t.match(both.ocirt.stdout, /^rootfs built by bundles\/build-rootfs.sh/);
  assertSameAsReference(t, both);
});

t.test('rootfsPropagation', async (t) => {
  // The bundle lives on a shared host mount so that slave/shared relations can show up.
  const base = await tempDir('shared');
  await hostMount(['-t', 'tmpfs', 'tmpfs'], base);
  await sh('mount', '--make-shared', base);
  const expected: Record<string, string> = {
    default: 'slave',
    rslave: 'slave',
    private: 'private',
    rprivate: 'private',
    slave: 'private',
    shared: 'private',
  };
  for (const [value, propagation] of Object.entries(expected)) {
    const patch: SpecPatch = (s) => {
      if (value !== 'default') s.linux!.rootfsPropagation = value;
    };
    const both = await observeBoth(patch, 'cat /proc/self/mountinfo', {
      baseDir: base,
      normalize: (text) => mountSummary(text, ['/'], { propagation: true }),
    });
    t.equal(both.ocirt.status, 0, `${value}: runs`);
    t.equal(both.ocirt.stdout, `/ tmpfs ro,relatime ${propagation}\n`, `rootfsPropagation ${value}`);
    assertSameAsReference(t, both, ['status', 'stdout'], `rootfsPropagation ${value}`);
  }
});
