// Making a rootless container's cgroup: permission errors pass a directory over (runc's
// rule), unless the config names the cgroup or the runtime is not rootless; other errors
// always fail; limits asked of a passed-over controller fail at applyResources.
import * as fs from 'node:fs';

import t, { type Test } from 'tap';

import { createCgroupManager } from './manager.js';
import { createCgroup, mountedCgroupPaths } from './rootless.js';
import { HYBRID_MOUNTINFO, HYBRID_SELF, fakeTree, tempDir } from '../../test/fakes/test-fixtures.js';

function setup(t: Test, cgroupsPath?: string) {
  const root = tempDir('rootless-cg');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const { fs: fake } = fakeTree(root, HYBRID_MOUNTINFO, HYBRID_SELF);
  const planned = createCgroupManager({ id: 'c1', cgroupsPath, root, mountinfo: HYBRID_MOUNTINFO, selfCgroup: HYBRID_SELF, fs: fake });
  return { fake, planned };
}

t.test('rootless: directories refused with EACCES, EPERM or EROFS are passed over, the others kept', async (t) => {
  const { fake, planned } = setup(t);
  const refused = Object.entries(planned.paths).filter(([key]) => key !== 'pids');
  refused.forEach(([, dir], i) => fake.failOn('mkdir', dir, ['EACCES', 'EPERM', 'EROFS'][i % 3]!));
  const skipped: string[] = [];
  const cg = createCgroup(planned, { rootless: true, fs: fake, skipped: (dir) => skipped.push(dir) });
  t.same(Object.keys(cg.paths), ['pids'], 'only the directory it could make');
  t.equal(cg.paths.pids, planned.paths.pids);
  t.ok(fs.existsSync(cg.paths.pids!));
  t.same(skipped.sort(), [...new Set(refused.map(([, dir]) => dir))].sort());
  t.throws(() => cg.applyResources({ memory: { limit: 1 << 20 } }, { rootless: true }),
    /cannot set memory limit: container could not join or create cgroup/, 'a limit on a passed-over controller fails');
  t.doesNotThrow(() => cg.applyResources({ devices: [{ allow: false, access: 'rwm' }] }, { rootless: true }),
    'device rules are ignored without a devices cgroup');
});

t.test('every directory refused: a manager of none, which has no process and nothing to remove', async (t) => {
  const { fake, planned } = setup(t);
  for (const dir of new Set(Object.values(planned.paths))) fake.failOn('mkdir', dir, 'EACCES');
  const cg = createCgroup(planned, { rootless: true, fs: fake });
  t.same(cg.paths, {});
  t.same(cg.pids(), []);
  t.notOk(cg.exists());
  t.doesNotThrow(() => cg.destroy());
  t.doesNotThrow(() => cg.applyResources(undefined, { rootless: true }));
});

t.test('not rootless, a cgroupsPath of the config, or another errno: the error is raised', async (t) => {
  for (const [what, rootless, cgroupsPath, code] of [
    ['not rootless', false, undefined, 'EACCES'],
    ['cgroupsPath named', true, '/named/c1', 'EACCES'],
    ['ENOSPC', true, undefined, 'ENOSPC'],
  ] as const) {
    const { fake, planned } = setup(t, cgroupsPath);
    fake.failOn('mkdir', planned.paths.pids!, code);
    t.throws(() => createCgroup(planned, { rootless, cgroupsPath, fs: fake }), new RegExp(`mkdir ${planned.paths.pids}: ${code}`), what);
  }
});

t.test('the cgroup mount shows the runtime\'s own cgroup where the container went without one (v1 only)', async (t) => {
  const { fake, planned } = setup(t);
  for (const [key, dir] of Object.entries(planned.paths)) if (key !== 'pids') fake.failOn('mkdir', dir, 'EACCES');
  const cg = createCgroup(planned, { rootless: true, fs: fake });
  const shown = mountedCgroupPaths(planned.paths, cg.paths);
  t.equal(shown.pids, cg.paths.pids, 'its own where it has one');
  t.equal(shown.memory, planned.paths.memory!.replace(/\/c1$/, ''), 'the runtime\'s own: the parent of the one denied');
  t.ok(planned.paths.memory!.endsWith('/c1'));
  t.same(Object.keys(shown).sort(), Object.keys(planned.paths).filter((k) => k !== '').sort(), 'never the cgroup2 part of a hybrid host');
  t.same(mountedCgroupPaths(planned.paths, planned.paths), planned.paths, 'nothing passed over: unchanged');
});
