// The smallest memory limit engines allow (Docker: 6 MB) must work as with runc,
// though the init and exec init are Node: their start-up is charged to the runtime's
// cgroup, not the container's (joinCgroupAroundBoot in src/runtime/launch/drive-init.ts).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, withoutTap } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

const LIMIT = 6 * 1024 * 1024;

t.test('a container limited to 6 MB runs, and takes execs', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  const once = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'echo ran; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'];
    delete s.process!.capabilities!.ambient;
    s.linux!.resources = { memory: { limit: LIMIT } };
  });
  const id = `small-${process.pid}`;
  t.teardown(() => { R('delete', '--force', id); });
  const r = R('run', '--bundle', once, id);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, `ran\n${LIMIT}\n`, 'the process ran under the limit');

  const long = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    delete s.process!.capabilities!.ambient;
    s.linux!.resources = { memory: { limit: LIMIT } };
  });
  const lid = `small-long-${process.pid}`;
  t.teardown(() => { R('delete', '--force', lid); });
  const errFile = join(tempDir(t), 'run.err');
  const err = openSync(errFile, 'w');
  const d = spawnSync(...withoutTap(OCIRT, ['--root', root, 'run', '--detach', '--bundle', long, lid]), { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
  closeSync(err);
  t.equal(d.status, 0, readFileSync(errFile, 'utf8'));
  for (let i = 0; i < 5; i++) {
    const e = R('exec', lid, 'sh', '-c', 'echo in; cat /sys/fs/cgroup/memory/memory.failcnt');
    t.equal(e.status, 0, `exec ${i}: ${e.stderr}`);
    t.equal(e.stdout, 'in\n0\n', `exec ${i} ran, and the container never hit its limit`);
  }
});
