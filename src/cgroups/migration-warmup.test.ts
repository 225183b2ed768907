import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupLayout } from './layout.js';
import { ownProcsFile, warmUpCgroupMigration } from './migration-warmup.js';

/** A layout whose first hierarchy is mounted at `dir`, with its root at /ctrs and this process in /ctrs/self. */
const layoutAt = (dir: string): CgroupLayout => ({
  mode: 'legacy', root: dir,
  hierarchies: [{ version: 1, controllers: ['name=systemd'], mountPoint: dir, mountRoot: '/ctrs', ownCgroup: '/ctrs/self' }],
});

t.test("the runtime's own cgroup.procs, in the first hierarchy, under its mount", async (t) => {
  t.equal(ownProcsFile(layoutAt('/sys/fs/cgroup/systemd')), '/sys/fs/cgroup/systemd/self/cgroup.procs');
  t.equal(ownProcsFile({ mode: 'unified', root: '/sys/fs/cgroup', hierarchies: [] }), undefined);
});

t.test('writes "0" (itself) to its own cgroup.procs off the main thread, and reports failures without throwing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-warmup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'self'));
  const procs = join(dir, 'self', 'cgroup.procs');
  writeFileSync(procs, '');
  const err = await new Promise<Error | null>((resolve) => warmUpCgroupMigration(layoutAt(dir), resolve));
  t.equal(err, null);
  t.equal(readFileSync(procs, 'utf8'), '0', 'the writer itself, as the kernel reads "0"');

  rmSync(procs);
  const missing = await new Promise<Error | null>((resolve) => warmUpCgroupMigration(layoutAt(dir), resolve));
  t.match(missing, { code: 'ENOENT' }, 'no such cgroup: reported, nothing thrown');
});
