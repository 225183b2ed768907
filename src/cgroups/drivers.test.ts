// Each cgroupfs driver against the fake cgroupfs: which driver a layout gets, creation, where resources are
// written, memory-first joining, freezing, the end of the cgroup for `events`, and destroy.
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { HybridDriver } from './hybrid/driver.js';
import type { CgroupMode } from './layout.js';
import { type CgroupManager, createCgroupManager, loadCgroupManager } from './manager.js';
import { V1Driver } from './v1/driver.js';
import { V2Driver } from './v2/driver.js';
import { RecordingFs, V1_DEFAULT_FILES, V2_DEFAULT_FILES, seed } from '../../test/fakes/resource-fixtures.js';
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

/** Takes the v2 device filter program instead of attaching it with bpf(2). */
class FilterRecordingFs extends RecordingFs {
  readonly deviceFilters: string[] = [];
  replaceDeviceFilter(dir: string): void {
    this.deviceFilters.push(dir);
  }
}

const SOURCES: Record<CgroupMode, [string, string]> = {
  legacy: [LEGACY_MOUNTINFO, LEGACY_SELF],
  hybrid: [HYBRID_MOUNTINFO, HYBRID_SELF],
  unified: [UNIFIED_MOUNTINFO, UNIFIED_SELF],
};

function setup(t: Test, mode: CgroupMode) {
  const root = tempDir(`drv-${mode}`);
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const [mountinfo, selfCgroup] = SOURCES[mode];
  const { fs: fake } = fakeTree(root, mountinfo, selfCgroup);
  const rec = new FilterRecordingFs(fake);
  const manager = createCgroupManager({ id: 'c1', cgroupsPath: '/test/c1', root, mountinfo, selfCgroup, fs: rec });
  return { root, fake, rec, manager };
}

/** create(), then the control files a kernel would have put there. */
function createSeeded(manager: CgroupManager): void {
  manager.create();
  for (const [key, dir] of Object.entries(manager.paths)) {
    if (key === '') {
      seed(dir, V2_DEFAULT_FILES);
      seed(path.dirname(dir), { 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.subtree_control': '\n' });
    } else if (V1_DEFAULT_FILES[key] !== undefined) seed(dir, V1_DEFAULT_FILES[key]);
  }
}

/** The written files, as `<key of paths>:<file>=<data>`, devices left out (every apply programs them). */
function writes(manager: CgroupManager, rec: RecordingFs): string[] {
  const keyOf = (dir: string): string =>
    Object.entries(manager.paths)
      .filter(([, d]) => d === dir)
      .map(([k]) => k || "''")
      .join('+') || dir;
  return rec.writes
    .filter(([p]) => !/devices\.(allow|deny)$/.test(p))
    .map(([p, data]) => `${keyOf(path.dirname(p))}:${path.basename(p)}=${data}`);
}

const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

t.test('each layout gets its driver, from the layout and again from the saved state', async (t) => {
  for (const [mode, Driver] of [
    ['legacy', V1Driver],
    ['hybrid', HybridDriver],
    ['unified', V2Driver],
  ] as const) {
    const { manager, rec } = setup(t, mode);
    t.ok(manager instanceof Driver, `${mode}: ${Driver.name}`);
    t.equal(manager.mode, mode);
    const loaded = loadCgroupManager(JSON.parse(JSON.stringify(manager)), rec);
    t.ok(loaded instanceof Driver, `${mode} loaded: ${Driver.name}`);
    t.same(loaded.paths, manager.paths);
  }
  t.notOk(setup(t, 'unified').manager instanceof V1Driver, 'the v2 driver is no v1 one');
  t.throws(() => loadCgroupManager({ version: 1, mode: 'toString', paths: {} }), {
    name: 'CgroupError',
    message: 'saved cgroup state: unknown mode "toString"',
  });
});

t.test('create makes every directory of the layout, and destroy removes them all', async (t) => {
  for (const mode of ['legacy', 'hybrid', 'unified'] as const) {
    const { manager, root } = setup(t, mode);
    const dirs = [...new Set(Object.values(manager.paths))];
    t.equal(dirs.length, { legacy: 8, hybrid: 10, unified: 1 }[mode], `${mode}: directories`);
    for (const dir of dirs) t.ok(dir.startsWith(`${root}/`) && dir.endsWith('/test/c1'), dir);
    t.equal(manager.exists(), false);
    manager.create();
    for (const dir of dirs) t.ok(fs.statSync(dir).isDirectory(), `${mode}: ${dir} made`);
    t.equal(manager.exists(), true);
    manager.destroy();
    for (const dir of dirs) t.notOk(fs.existsSync(dir), `${mode}: ${dir} removed`);
    t.equal(manager.exists(), false);
  }
});

t.test('legacy: limits go to each v1 controller directory', async (t) => {
  const { manager, rec } = setup(t, 'legacy');
  createSeeded(manager);
  rec.writes.length = 0;
  manager.applyResources({ memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 512 } });
  t.same(writes(manager, rec), [
    `memory:memory.limit_in_bytes=${64 << 20}`,
    'cpu+cpuacct:cpu.shares=512',
    'pids:pids.max=20',
  ]);
  t.equal(read(path.join(manager.path('memory')!, 'memory.limit_in_bytes')), String(64 << 20));
  t.ok(rec.writesTo('devices.deny').length > 0, 'the device cgroup is programmed');
  t.throws(() => manager.applyResources({ unified: { 'memory.max': '1' } }), {
    message: 'invalid configuration: cannot use unified on cgroup v1',
  });
});

t.test('hybrid: limits go to the v1 controllers; the cgroup2 directory gets none', async (t) => {
  const { manager, rec } = setup(t, 'hybrid');
  createSeeded(manager);
  rec.writes.length = 0;
  manager.applyResources({ memory: { limit: 64 << 20 }, pids: { limit: 20 } });
  t.same(writes(manager, rec), [`memory:memory.limit_in_bytes=${64 << 20}`, 'pids:pids.max=20']);
  t.equal(read(path.join(manager.path('')!, 'memory.max')), 'max', 'memory.max of cgroup2 untouched');
  t.equal(read(path.join(manager.path('')!, 'pids.max')), 'max', 'pids.max of cgroup2 untouched');
  t.same(rec.deviceFilters, [], 'no v2 device filter');
});

t.test('unified: controllers enabled above, then every limit into the one directory', async (t) => {
  const { manager, rec } = setup(t, 'unified');
  createSeeded(manager);
  rec.writes.length = 0;
  manager.applyResources({ memory: { limit: 64 << 20 }, pids: { limit: 20 }, unified: { 'cpu.weight': '50' } });
  const dir = manager.path('')!;
  t.same(writes(manager, rec), [
    `${path.dirname(dir)}:cgroup.subtree_control=+cpu +memory +pids`,
    "'':pids.max=20",
    `'':memory.max=${64 << 20}`,
    "'':cpu.weight=50",
  ]);
  t.same(rec.deviceFilters, [dir], 'the device filter goes to the cgroup2 directory');
});

t.test('memory-first joining: the directory that accounts memory differs by layout', async (t) => {
  for (const [mode, memoryKeys] of [
    ['legacy', ['memory']],
    ['hybrid', ['memory']],
    ['unified', ['']],
  ] as const) {
    const { manager, rec } = setup(t, mode);
    manager.create();
    rec.writes.length = 0;
    manager.addProcess(77, 'memory');
    const memoryDirs = memoryKeys.map((k) => manager.path(k)!);
    t.same(rec.writes.map(([p]) => path.dirname(p)), memoryDirs, `${mode}: memory`);
    rec.writes.length = 0;
    manager.addProcess(77, 'all but memory');
    const others = [...new Set(Object.values(manager.paths))].filter((d) => !memoryDirs.includes(d));
    t.same(rec.writes.map(([p]) => path.dirname(p)).sort(), others.sort(), `${mode}: all but memory`);
    t.same(manager.pids(), [77]);
  }
});

t.test('the v1 pids directory is the init\'s to join, unless pids share the cgroup2 directory', async (t) => {
  t.equal(setup(t, 'legacy').manager.ownPidsDirectory()?.endsWith('/pids/test/c1'), true);
  t.equal(setup(t, 'hybrid').manager.ownPidsDirectory()?.endsWith('/pids/test/c1'), true);
  t.equal(setup(t, 'unified').manager.ownPidsDirectory(), undefined);
  const { rec, root } = setup(t, 'legacy');
  const comounted = loadCgroupManager({ version: 1, mode: 'legacy', paths: { pids: `${root}/x`, memory: `${root}/x` } }, rec);
  t.equal(comounted.ownPidsDirectory(), undefined, 'pids co-mounted with memory: the runtime moves it');
});

t.test('freeze: the v1 freezer on legacy and hybrid, cgroup.freeze on unified', async (t) => {
  for (const [mode, key, file, frozen, thawed] of [
    ['legacy', 'freezer', 'freezer.state', 'FROZEN', 'THAWED'],
    ['hybrid', 'freezer', 'freezer.state', 'FROZEN', 'THAWED'],
    ['unified', '', 'cgroup.freeze', '1', '0'],
  ] as const) {
    const { manager } = setup(t, mode);
    manager.create();
    const state = path.join(manager.path(key)!, file);
    t.equal(manager.isFrozen(), false, `${mode}: thawed`);
    manager.freeze();
    t.equal(read(state), frozen, `${mode}: ${file}`);
    t.equal(manager.isFrozen(), true);
    manager.thaw();
    t.equal(read(state), thawed);
    t.equal(manager.isFrozen(), false);
  }
  const { manager } = setup(t, 'hybrid');
  manager.create();
  t.equal(read(path.join(manager.path('')!, 'cgroup.freeze')), '0', 'hybrid: cgroup2 freezer unused while v1 has one');
});

t.test('hybrid without a v1 freezer freezes through cgroup2; legacy without one cannot freeze', async (t) => {
  const { manager, rec } = setup(t, 'hybrid');
  manager.create();
  const { freezer: _, ...paths } = manager.paths;
  const hybrid = loadCgroupManager({ version: 1, mode: 'hybrid', paths }, rec);
  hybrid.freeze();
  t.equal(read(path.join(paths['']!, 'cgroup.freeze')), '1');
  t.equal(hybrid.isFrozen(), true);
  hybrid.thaw();
  const legacy = loadCgroupManager({ version: 1, mode: 'legacy', paths }, rec);
  t.equal(legacy.isFrozen(), false, 'no freezer: not frozen');
  t.throws(() => legacy.freeze(), { message: 'no freezer: neither the v1 freezer nor cgroup2 is in use' });
});

t.test('hasEnded: unified when no process is left, v1 layouts when the directory is gone', async (t) => {
  for (const mode of ['legacy', 'hybrid', 'unified'] as const) {
    const { manager } = setup(t, mode);
    manager.create();
    manager.addProcess(5);
    t.equal(manager.hasEnded(), false, `${mode}: a process in it`);
    // The process exits: the kernel empties cgroup.procs, the directories stay.
    for (const dir of new Set(Object.values(manager.paths))) fs.writeFileSync(path.join(dir, 'cgroup.procs'), '');
    t.equal(manager.hasEnded(), mode === 'unified', `${mode}: empty, directory still there`);
    manager.destroy();
    t.equal(manager.hasEnded(), true, `${mode}: removed`);
  }
});
