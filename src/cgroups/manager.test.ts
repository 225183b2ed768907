import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { CgroupError } from './errors.js';
import { createCgroupManager, loadCgroupManager } from './manager.js';
import {
  HYBRID_MOUNTINFO,
  HYBRID_SELF,
  LEGACY_MOUNTINFO,
  LEGACY_SELF,
  UNIFIED_MOUNTINFO,
  UNIFIED_SELF,
  fakeTree,
  tempDir,
} from '../../test/fakes/test-fixtures.js';

function setup(t: Test, mountinfo: string, selfCgroup: string, cgroupsPath?: string) {
  const root = tempDir('cg');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const { fs: fake } = fakeTree(root, mountinfo, selfCgroup);
  const manager = createCgroupManager({ id: 'c1', cgroupsPath, root, mountinfo, selfCgroup, fs: fake });
  return { root, fake, manager };
}

const read = (file: string) => fs.readFileSync(file, 'utf8');

t.test('hybrid: create makes the directory in every hierarchy, with control files, mode 0755', async (t) => {
  const { root, manager } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/ocirt/c1');
  t.equal(manager.mode, 'hybrid');
  manager.create();
  for (const sub of [
    'cpu',
    'cpuacct',
    'cpuset',
    'memory',
    'devices',
    'freezer',
    'blkio',
    'pids',
    'systemd',
    'unified',
  ]) {
    const dir = `${root}/${sub}/ocirt/c1`;
    t.ok(fs.statSync(dir).isDirectory(), dir);
    t.equal(fs.statSync(dir).mode & 0o777, 0o755 & ~process.umask(), `${dir} mode`);
    t.ok(fs.existsSync(`${dir}/cgroup.procs`));
  }
  t.equal(read(`${root}/unified/ocirt/c1/cgroup.freeze`), '0\n', 'cgroup2 directory made, nothing written yet');
  // create() is idempotent.
  manager.create();
});

t.test('v1 cpuset: cpus and mems are copied from the parent at every new level, so a task can join', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/a/b/c1');
  manager.create();
  for (const dir of ['a', 'a/b', 'a/b/c1']) {
    t.equal(read(`${root}/cpuset/${dir}/cpuset.cpus`).trim(), '0-3', `${dir} cpus`);
    t.equal(read(`${root}/cpuset/${dir}/cpuset.mems`).trim(), '0', `${dir} mems`);
  }
  manager.addProcess(4242);
  t.equal(read(`${root}/cpuset/a/b/c1/cgroup.procs`), '4242\n');
  // An existing level that already has values is left alone (and is where the walk up stops).
  fs.writeFileSync(`${root}/cpuset/a/cpuset.cpus`, '1\n');
  const other = createCgroupManager({
    id: 'c2',
    cgroupsPath: '/a/c2',
    root,
    mountinfo: HYBRID_MOUNTINFO,
    selfCgroup: HYBRID_SELF,
    fs: fake,
  });
  other.create();
  t.equal(read(`${root}/cpuset/a/c2/cpuset.cpus`).trim(), '1');
  t.equal(read(`${root}/cpuset/a/cpuset.cpus`).trim(), '1');
});

t.test('v1 cpuset without the copy: the fake kernel refuses the task, as the real one does', async (t) => {
  const { root, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF);
  fake.mkdir(`${root}/cpuset/bare`, 0o755);
  const bare = loadCgroupManager({ version: 1, mode: 'hybrid', paths: { cpuset: `${root}/cpuset/bare` } }, fake);
  t.throws(() => bare.addProcess(7), {
    name: 'CgroupError',
    message: `write ${root}/cpuset/bare/cgroup.procs: ENOSPC`,
    code: 'ENOSPC',
  });
});

t.test('default path: <id> below our own cgroup (memory is in /process_api/abc here)', async (t) => {
  const { root, manager } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF);
  t.equal(manager.path('memory'), `${root}/memory/process_api/abc/c1`);
  t.equal(manager.path('pids'), `${root}/pids/c1`);
  manager.create();
  manager.addProcess(99);
  t.equal(read(`${root}/memory/process_api/abc/c1/cgroup.procs`), '99\n');
  t.equal(read(`${root}/unified/c1/cgroup.procs`), '99\n');
});

t.test('addProcess writes the pid to cgroup.procs of each directory once (co-mounts share one)', async (t) => {
  const { root, manager, fake } = setup(t, LEGACY_MOUNTINFO, LEGACY_SELF, 'pod/c1');
  t.equal(manager.mode, 'legacy');
  manager.create();
  fake.calls.length = 0;
  manager.addProcess(123);
  const writes = fake.calls.filter((c) => c.startsWith('writeFile '));
  t.equal(writes.length, 8, 'eight hierarchies, ten controller keys');
  t.equal(read(`${root}/cpu,cpuacct/system.slice/engine.service/pod/c1/cgroup.procs`), '123\n');
  t.equal(read(`${root}/freezer/pod/c1/cgroup.procs`), '123\n');
  t.equal(manager.path('cpu'), manager.path('cpuacct'));
  t.throws(() => manager.addProcess(0), { message: 'invalid pid 0' });
});

t.test('addProcess to a cgroup that was never created names the file and errno', async (t) => {
  const { root, manager } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/x');
  const err = t.throws(() => manager.addProcess(5)) as CgroupError;
  t.ok(err instanceof CgroupError);
  t.match(err.message, new RegExp(`^write ${root}/[a-z=]+/x/cgroup\\.procs: ENOENT$`));
  t.equal(err.code, 'ENOENT');
  t.equal(err.op, 'write');
});

t.test('unified: one directory below the parent of our cgroup; pids and freezer through cgroup2', async (t) => {
  const { root, manager } = setup(t, UNIFIED_MOUNTINFO, UNIFIED_SELF);
  t.equal(manager.mode, 'unified');
  t.same(manager.paths, { '': `${root}/user.slice/user-1000.slice/c1` });
  manager.create();
  manager.addProcess(10);
  t.same(manager.pids(), [10]);
  t.equal(manager.isFrozen(), false);
  manager.freeze();
  t.equal(manager.isFrozen(), true);
  t.equal(read(`${root}/user.slice/user-1000.slice/c1/cgroup.freeze`), '1\n');
  manager.thaw();
  t.equal(manager.isFrozen(), false);
  // cgroup.events alone saying frozen also counts.
  fs.writeFileSync(`${root}/user.slice/user-1000.slice/c1/cgroup.events`, 'populated 1\nfrozen 1\n');
  t.equal(manager.isFrozen(), true);
});

t.test('pids: every process of the cgroup and of its child cgroups', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  t.same(manager.pids(), [], 'no cgroup yet: no pids');
  t.equal(manager.exists(), false);
  manager.create();
  t.equal(manager.exists(), true);
  manager.addProcess(30);
  manager.addProcess(4);
  fake.mkdir(`${root}/devices/c1/child`, 0o755);
  fake.mkdir(`${root}/devices/c1/child/grandchild`, 0o755);
  fake.writeFile(`${root}/devices/c1/child/cgroup.procs`, '17');
  fake.writeFile(`${root}/devices/c1/child/grandchild/cgroup.procs`, '2000');
  t.same(manager.pids(), [4, 17, 30, 2000]);
  // Moving a pid to a child cgroup does not list it twice.
  fake.writeFile(`${root}/devices/c1/child/cgroup.procs`, '30');
  t.same(manager.pids(), [4, 17, 30, 2000]);
});

t.test('pids are read from a hierarchy other than pids: an init joins that one last', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  manager.create();
  manager.addProcess(30, 'all', [manager.ownPidsDirectory()!]);
  t.same(manager.pids(), [30]);
  t.equal(fake.readFile(`${root}/pids/c1/cgroup.procs`), '', 'not in the pids hierarchy');
});

t.test('ownPidsDirectory: the v1 pids hierarchy, none on cgroup2; addProcess leaves out what it is told', async (t) => {
  const hybrid = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  t.equal(hybrid.manager.ownPidsDirectory(), `${hybrid.root}/pids/c1`);
  hybrid.manager.create();
  hybrid.manager.addProcess(42, 'all but memory', [`${hybrid.root}/pids/c1`]);
  const written = hybrid.fake.calls.filter((c) => c.startsWith('writeFile') && c.includes('cgroup.procs'));
  t.notOk(written.some((c) => c.includes('/pids/')), 'pids left out');
  t.notOk(written.some((c) => c.includes('/memory/')), 'memory left out');
  t.ok(written.some((c) => c.includes('/devices/')), 'devices joined');
  const legacy = setup(t, LEGACY_MOUNTINFO, LEGACY_SELF, '/c1');
  t.match(legacy.manager.ownPidsDirectory(), /\/pids\/c1$/);
  const unified = setup(t, UNIFIED_MOUNTINFO, UNIFIED_SELF, '/c1');
  t.equal(unified.manager.ownPidsDirectory(), undefined);
});

t.test('v1 freezer: FROZEN and FREEZING are frozen; a missing cgroup is not', async (t) => {
  const { root, manager } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  t.equal(manager.isFrozen(), false);
  manager.create();
  t.equal(manager.isFrozen(), false);
  manager.freeze();
  t.equal(read(`${root}/freezer/c1/freezer.state`), 'FROZEN\n');
  t.equal(manager.isFrozen(), true);
  fs.writeFileSync(`${root}/freezer/c1/freezer.state`, 'FREEZING\n');
  t.equal(manager.isFrozen(), true);
  manager.thaw();
  t.equal(manager.isFrozen(), false);
  t.equal(read(`${root}/unified/c1/cgroup.freeze`), '0\n', 'hybrid uses the v1 freezer, not cgroup2');
});

t.test('destroy removes nested child cgroups first, in every hierarchy', async (t) => {
  const { root, manager, fake } = setup(t, LEGACY_MOUNTINFO, LEGACY_SELF, '/pod/c1');
  manager.create();
  fake.mkdir(`${root}/pids/pod/c1/a`, 0o755);
  fake.mkdir(`${root}/pids/pod/c1/a/b`, 0o755);
  fake.mkdir(`${root}/pids/pod/c1/z`, 0o755);
  fake.calls.length = 0;
  manager.destroy();
  const pidsRmdirs = fake.calls.filter((c) => c.startsWith(`rmdir ${root}/pids/`));
  t.same(pidsRmdirs, [
    `rmdir ${root}/pids/pod/c1/a/b`,
    `rmdir ${root}/pids/pod/c1/a`,
    `rmdir ${root}/pids/pod/c1/z`,
    `rmdir ${root}/pids/pod/c1`,
  ]);
  for (const sub of ['cpu,cpuacct', 'cpuset', 'net_cls,net_prio', 'memory', 'freezer', 'pids', 'devices', 'systemd']) {
    t.notOk(fs.existsSync(`${root}/${sub}/pod/c1`), `${sub} removed`);
    t.ok(fs.existsSync(`${root}/${sub}/pod`), `${sub} parent kept (runc removes only the container's cgroup)`);
  }
  t.equal(manager.exists(), false);
  // Destroying again (or a cgroup never made) is fine.
  manager.destroy();
});

t.test('destroy retries EBUSY and succeeds once the cgroup empties', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  manager.create();
  fake.failOn('rmdir', `${root}/pids/c1`, 'EBUSY', 3);
  fake.failOn('rmdir', `${root}/cpu/c1`, 'EINTR', 1);
  manager.destroy();
  t.equal(fake.calls.filter((c) => c === `rmdir ${root}/pids/c1`).length, 4);
  t.notOk(fs.existsSync(`${root}/pids/c1`));
  t.notOk(fs.existsSync(`${root}/cpu/c1`));
});

t.test('destroy of a cgroup that keeps its processes reports them, after trying every hierarchy', async (t) => {
  const { root, manager } = setup(t, UNIFIED_MOUNTINFO, UNIFIED_SELF, '/c1');
  manager.create();
  manager.addProcess(321);
  const started = Date.now();
  t.throws(() => manager.destroy(), {
    name: 'CgroupError',
    message: `rmdir ${root}/c1: EBUSY (the cgroup still has processes: 321)`,
    code: 'EBUSY',
  });
  t.ok(Date.now() - started >= 900, 'retried for about a second');
  t.ok(fs.existsSync(`${root}/c1`));
});

t.test('destroy reports other errors at once and keeps going with the other hierarchies', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  manager.create();
  fake.failOn('rmdir', `${root}/pids/c1`, 'EACCES', 1);
  fake.failOn('rmdir', `${root}/memory/c1`, 'EPERM', 1);
  t.throws(() => manager.destroy(), {
    message: `rmdir ${root}/pids/c1: EACCES; rmdir ${root}/memory/c1: EPERM`,
    code: 'EACCES',
  });
  t.notOk(fs.existsSync(`${root}/cpu/c1`));
  t.ok(fs.existsSync(`${root}/pids/c1`));
});

t.test('toJSON / loadCgroupManager round-trip without resolving again', async (t) => {
  const { root, manager, fake } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, 'rel/c1');
  manager.create();
  manager.addProcess(77);
  const saved = JSON.parse(JSON.stringify(manager));
  t.same(saved, { version: 1, mode: 'hybrid', paths: { ...manager.paths } });
  t.equal(saved.paths.memory, `${root}/memory/process_api/abc/rel/c1`);
  const loaded = loadCgroupManager(saved, fake);
  t.same(loaded.paths, manager.paths);
  t.same(loaded.pids(), [77]);
  // The process leaves (as if it exited), then the loaded manager can remove everything.
  for (const dir of new Set(Object.values(saved.paths) as string[]))
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
  loaded.destroy();
  t.equal(manager.exists(), false);
});

t.test('loadCgroupManager rejects what it did not write', async (t) => {
  t.throws(() => loadCgroupManager(null), { message: 'saved cgroup state: unknown format (expected version 1)' });
  t.throws(() => loadCgroupManager({ version: 2, mode: 'hybrid', paths: {} }), { message: /unknown format/ });
  t.throws(() => loadCgroupManager({ version: 1, mode: 'v3', paths: {} }), {
    message: 'saved cgroup state: unknown mode "v3"',
  });
  t.throws(() => loadCgroupManager({ version: 1, mode: 'unified' }), { message: 'saved cgroup state: paths missing' });
  t.throws(() => loadCgroupManager({ version: 1, mode: 'unified', paths: { '': 'rel/x' } }), {
    message: 'saved cgroup state: path of "" is not a clean absolute path',
  });
  t.throws(() => loadCgroupManager({ version: 1, mode: 'unified', paths: { '': '/a/../b' } }), {
    message: /not a clean absolute path/,
  });
});

t.test('systemd driver: clear errors, no pretending', async (t) => {
  const missing = tempDir('nosd');
  t.teardown(() => fs.rmSync(missing, { recursive: true, force: true }));
  t.throws(
    () =>
      createCgroupManager({
        id: 'c1',
        systemd: true,
        cgroupsPath: 'system.slice:ocirt:c1',
        systemdRunDir: `${missing}/none`,
      }),
    {
      name: 'CgroupError',
      message: 'systemd cgroup driver: systemd is not running (use the cgroupfs driver: omit --systemd-cgroup)',
    },
  );
  t.throws(
    () => createCgroupManager({ id: 'c1', systemd: true, cgroupsPath: '/not/slice', systemdRunDir: `${missing}/none` }),
    {
      message: /expected cgroupsPath to be of format "slice:prefix:name"/,
    },
  );
  t.throws(() => createCgroupManager({ id: 'c1', systemd: true, systemdRunDir: missing }), {
    message: 'systemd cgroup driver: not supported yet (use the cgroupfs driver: omit --systemd-cgroup)',
  });
  // This machine has no systemd: the default check agrees.
  t.throws(() => createCgroupManager({ id: 'c1', systemd: true }), { message: /systemd is not running/ });
});

t.test('signalAll signals every member (freezing around it) and keeps a paused cgroup paused', async (t) => {
  const { root, manager } = setup(t, HYBRID_MOUNTINFO, HYBRID_SELF, '/c1');
  manager.create();
  const children = [spawn('sleep', ['30']), spawn('sleep', ['30'])];
  t.teardown(() => children.forEach((c) => c.kill('SIGKILL')));
  const exits = children.map(
    (c) => new Promise<NodeJS.Signals | null>((resolve) => c.on('exit', (_code, signal) => resolve(signal))),
  );
  const pids = children.map((c) => c.pid!);
  // Membership is only recorded in the fake tree; the processes are real.
  manager.addProcess(pids[0]!);
  manager.addProcess(pids[1]!);

  manager.freeze();
  t.same(manager.signalAll('SIGCONT').sort(), [...pids].sort());
  t.equal(manager.isFrozen(), true, 'paused stays paused for other signals');

  t.same(manager.signalAll('SIGTERM').sort(), [...pids].sort());
  t.same(await Promise.all(exits), ['SIGTERM', 'SIGTERM']);
  t.equal(read(`${root}/freezer/c1/freezer.state`), 'FROZEN\n');

  // SIGKILL thaws a paused cgroup (it would not take effect on frozen tasks); dead pids are skipped (ESRCH).
  t.same(manager.signalAll('SIGKILL'), []);
  t.equal(manager.isFrozen(), false);

  // Without a paused cgroup, signalAll freezes and thaws around the kills.
  t.same(manager.signalAll(0), []);
  t.equal(read(`${root}/freezer/c1/freezer.state`), 'THAWED\n');
});
