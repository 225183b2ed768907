import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { StateStore, validateId, writeFileAtomic } from './store.js';
import { NotFoundError } from '../errors.js';
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
  const lock = store.createLocked('c1');
  t.same(readdirSync(root), ['c1'], 'only the container: the abandoned create is swept, no temp name is left');
  // Another process cannot take the lock: the directory appeared already locked.
  const probe = spawnSync('flock', ['-n', store.dir('c1'), 'true']);
  t.equal(probe.status, 1, 'flock -n on the new directory fails while create holds it');
  lock.release();
  t.equal(spawnSync('flock', ['-n', store.dir('c1'), 'true']).status, 0, 'and succeeds once released');
  t.throws(() => store.createLocked('c1'), /container with given ID already exists/);
  t.same(readdirSync(root), ['c1'], 'a refused create leaves nothing behind');
});

t.test('--root / is refused', async (t) => {
  t.throws(() => new StateStore('/'), /should not be set to \//);
});

t.test('create, write, read, list, remove', async (t) => {
  const root = join(tmp(), 'root');
  const store = new StateStore(root);
  const lock = store.createLocked('c1');
  store.write(record('c1'));
  lock.release();
  t.same(store.read('c1').id, 'c1');
  t.throws(() => store.createLocked('c1'), /container with given ID already exists/);
  store.createLocked('c0').release();
  t.same(store.list(), ['c0', 'c1']);
  // No temp files are left next to the state.
  t.same(readdirSync(store.dir('c1')), ['state.json']);
  store.remove('c1');
  t.throws(() => store.read('c1'), NotFoundError);
  t.throws(() => store.lock('c1'), NotFoundError);
});

t.test('list of a missing root is empty', async (t) => {
  t.same(new StateStore(join(tmp(), 'nope')).list(), []);
});

t.test('a lock waits for the holder, and sees a removal', async (t) => {
  const store = new StateStore(tmp());
  const lock = store.createLocked('c');
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
