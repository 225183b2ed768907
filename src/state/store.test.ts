import t from 'tap';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { StateStore, validateId, writeFileAtomic } from './store.js';
import { NotFoundError, UnreadableStateError } from '../errors.js';
import type { ContainerRecord } from './record.js';

const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ocirt-store-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const record = (id: string): ContainerRecord => ({
  version: 1, id, bundle: '/b', rootfs: '/b/rootfs', pid: 1, pidStartTime: '1', created: '2026-01-01T00:00:00Z',
  config: { ociVersion: '1.3.0' }, cgroup: {}, systemdCgroup: false, rootless: false, owner: 0,
});

t.test('container ids follow runc rules', async (t) => {
  for (const ok of ['a', 'abc-1_2+3.4', 'X']) t.doesNotThrow(() => validateId(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', 'a b', '../x', 'é']) {
    t.throws(() => validateId(bad), /invalid container ID format/, JSON.stringify(bad));
  }
});

t.test('create makes the directory under another name, locked, then renames it into place', async (t) => {
  const root = join(tmp(), 'root');
  const store = new StateStore(root);
  mkdirSync(root, { recursive: true });
  // What a runtime killed between mkdir and rename leaves (pid 2^22+1 cannot exist).
  mkdirSync(join(root, '~creating~4194305~abc'));
  const lock = await store.createLocked('c1');
  t.same(readdirSync(root), ['c1'], 'only the container: the abandoned create is swept, no temp name is left');
  // Another process cannot take the lock: the directory appeared already locked.
  const probe = spawnSync('flock', ['-n', store.dir('c1'), 'true']);
  t.equal(probe.status, 1, 'flock -n on the new directory fails while create holds it');
  lock.release();
  t.equal(spawnSync('flock', ['-n', store.dir('c1'), 'true']).status, 0, 'and succeeds once released');
  await t.rejects(store.createLocked('c1'), /container with given ID already exists/);
  t.same(readdirSync(root), ['c1'], 'a refused create leaves nothing behind');
});

t.test('--root / is refused', async (t) => {
  t.throws(() => new StateStore('/'), /should not be set to \//);
});

t.test('create, write, read, list, remove', async (t) => {
  const root = join(tmp(), 'root');
  const store = new StateStore(root);
  const lock = await store.createLocked('c1');
  store.write(record('c1'));
  lock.release();
  t.same(store.read('c1').id, 'c1');
  await t.rejects(store.createLocked('c1'), /container with given ID already exists/);
  (await store.createLocked('c0')).release();
  t.same(store.list(), ['c0', 'c1']);
  // No temp files are left next to the state.
  t.same(readdirSync(store.dir('c1')), ['state.json']);
  store.remove('c1');
  t.throws(() => store.read('c1'), NotFoundError);
  await t.rejects(store.lock('c1'), NotFoundError);
});

t.test('list of a missing root is empty', async (t) => {
  t.same(new StateStore(join(tmp(), 'nope')).list(), []);
});

t.test('a lock waits for the holder, and sees a removal', async (t) => {
  const store = new StateStore(tmp());
  const lock = await store.createLocked('c');
  store.write(record('c'));
  // Another process tries to lock the same directory while we hold it.
  const script = `
    const fs = require('fs');
    const koffi = require(${JSON.stringify(join(process.cwd(), 'node_modules/koffi'))});
    const flock = koffi.load('libc.so.6').func('int flock(int, int)');
    const fd = fs.openSync(${JSON.stringify(store.dir('c'))}, 'r');
    process.stdout.write('ready\\n');
    const t0 = Date.now();
    flock(fd, 2);
    console.log(Date.now() - t0, fs.fstatSync(fd).nlink);
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // Hold the lock for 300 ms after the other process is about to take it.
  for (let i = 0; i < 1000 && !out.includes('ready\n'); i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(out.includes('ready\n'), 'the other process is about to lock');
  await new Promise((r) => setTimeout(r, 300));
  store.remove('c');
  lock.release();
  await new Promise((r) => child.on('exit', r));
  const [waited, nlink] = out.replace('ready\n', '').trim().split(' ').map(Number);
  t.ok(waited! >= 250, `second locker waited ${waited} ms`);
  t.equal(nlink, 0, 'it sees the directory was removed');
});

t.test('writeFileAtomic replaces the target whole', async (t) => {
  const d = tmp();
  const target = join(d, 'pid');
  writeFileAtomic(join(d, '.pid'), target, '123');
  writeFileAtomic(join(d, '.pid'), target, '4567');
  t.equal(readFileSync(target, 'utf8'), '4567');
  t.same(readdirSync(d), ['pid']);
});

t.test('a --root that is a file, or under one, is named with runc\'s message by every operation', async (t) => {
  const d = tmp();
  const file = join(d, 'file');
  writeFileSync(file, '');
  for (const root of [file, join(file, 'sub', 'root')]) {
    const store = new StateStore(root);
    const want = { message: `mkdir ${file}: not a directory` };
    t.throws(() => store.list(), want, `list ${root}`);
    await t.rejects(store.lock('c'), want, `lock ${root}`);
    t.throws(() => store.read('c'), want, `read ${root}`);
    await t.rejects(store.createLocked('c'), want, `createLocked ${root}`);
  }
  t.same(readdirSync(d), ['file'], 'nothing was made');
});

t.test('a state file that is not ours is refused naming the file and why', async (t) => {
  const store = new StateStore(tmp());
  (await store.createLocked('c')).release();
  const file = join(store.dir('c'), 'state.json');
  const cases: [string, RegExp][] = [
    ['{', /not valid JSON$/],
    ['{}', /not an ocirt container state: "version" is missing, expected 1$/],
    ['[]', /not an ocirt container state: expected an object, found an array$/],
    ['null', /not an ocirt container state: expected an object, found null$/],
    ['"x"', /not an ocirt container state: expected an object, found string$/],
    // runc's own state.json
    ['{"id":"c","init_process_pid":1,"init_process_start":2,"created":"2026-01-01T00:00:00Z","config":{}}', /"version" is missing/],
    [JSON.stringify({ ...record('c'), pid: 'x' }), /"pid" is not a positive integer$/],
    [JSON.stringify({ ...record('c'), config: null }), /"config" is not an object$/],
    [JSON.stringify(record('other')), /holds container "other", not "c"$/],
  ];
  for (const [text, why] of cases) {
    writeFileSync(file, text);
    const err = (() => { try { store.read('c'); } catch (e) { return e; } return undefined; })();
    t.type(err, UnreadableStateError, text);
    t.match((err as Error).message, new RegExp(`^state file ${file}: `), `${text}: names the file`);
    t.match((err as Error).message, why, `${text}: says why`);
  }
  writeFileSync(file, JSON.stringify(record('c')));
  t.equal(store.read('c').id, 'c', 'our own record still reads');
});

t.test('an unreadable state file (EACCES for a non-root reader) is named with its errno', async (t) => {
  const d = tmp();
  chmodSync(d, 0o755);
  const store = new StateStore(join(d, 'root'));
  (await store.createLocked('c')).release();
  store.write(record('c'));
  chmodSync(join(store.dir('c'), 'state.json'), 0o000);
  const file = join(store.dir('c'), 'state.json');
  if (process.getuid?.() === 0) {
    // root reads mode 000 files: read it as nobody.
    chownSync(store.root, 65534, 65534);
    const script = `import(${JSON.stringify(new URL('./store.js', import.meta.url).href)}).then((m) => {
      try { new m.StateStore(${JSON.stringify(store.root)}).read('c'); } catch (e) { console.log(e.name + ': ' + e.message); }
    })`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', env: {} });
    t.equal(r.stdout.trim(), `UnreadableStateError: state file ${file}: open: EACCES (permission denied)`);
  } else {
    t.throws(() => store.read('c'), { name: 'UnreadableStateError', message: `state file ${file}: open: EACCES (permission denied)` });
  }
});

t.test('the journal given to createLocked is there as soon as the directory has its name', async (t) => {
  const store = new StateStore(tmp());
  const lock = await store.createLocked('c', { creator: { pid: 1, startTime: '1' }, bundle: '/b' });
  t.same(store.readCreateJournal('c'), { creator: { pid: 1, startTime: '1' }, bundle: '/b' });
  t.same(readdirSync(store.dir('c')), ['create.json']);
  lock.release();
  writeFileSync(join(store.dir('c'), 'create.json'), 'null');
  t.equal(store.readCreateJournal('c'), undefined, 'a journal that is no object counts as none');
});
