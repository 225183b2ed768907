import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  createFileInRoot, isWithin, mkdirAllInRoot, resolveEntryInRoot, resolveInRoot, verifyInRoot,
} from './secure-path.js';

/** A temp "host" with a rootfs inside it and a sentinel directory outside it. */
function makeHost(t: Test): { host: string; root: string; outside: string } {
  const host = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-secure-')));
  t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
  const root = path.join(host, 'rootfs');
  const outside = path.join(host, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  return { host, root, outside };
}

t.test('plain paths resolve lexically under the root', async (t) => {
  const { root } = makeHost(t);
  t.equal(resolveInRoot(root, '/'), root);
  t.equal(resolveInRoot(root, ''), root);
  t.equal(resolveInRoot(root, '/a/b/c'), `${root}/a/b/c`);
  t.equal(resolveInRoot(root, 'a//./b/'), `${root}/a/b`, 'relative paths are relative to /');
});

t.test('.. is clamped at the root', async (t) => {
  const { root } = makeHost(t);
  t.equal(resolveInRoot(root, '/../../../etc/passwd'), `${root}/etc/passwd`);
  t.equal(resolveInRoot(root, '/a/../../b'), `${root}/b`);
  t.equal(resolveInRoot(root, '/a/b/../c'), `${root}/a/c`);
});

t.test('absolute symlinks are resolved inside the root', async (t) => {
  const { root, outside } = makeHost(t);
  fs.symlinkSync('/', path.join(root, 'escape'));
  fs.symlinkSync(outside, path.join(root, 'host-path'));
  fs.mkdirSync(path.join(root, 'run'));
  fs.mkdirSync(path.join(root, 'var'));
  fs.symlinkSync('/run', path.join(root, 'var/run'));
  t.equal(resolveInRoot(root, '/escape/tmp/x'), `${root}/tmp/x`);
  t.equal(resolveInRoot(root, '/host-path/secret'), `${root}${outside}/secret`, 'a host path is taken as a container path');
  t.equal(resolveInRoot(root, '/var/run/foo'), `${root}/run/foo`);
});

t.test('relative symlinks cannot climb out with ..', async (t) => {
  const { root } = makeHost(t);
  fs.mkdirSync(path.join(root, 'a/b'), { recursive: true });
  fs.symlinkSync('../../../../../..', path.join(root, 'a/b/up'));
  fs.symlinkSync('../sibling', path.join(root, 'a/rel'));
  t.equal(resolveInRoot(root, '/a/b/up/etc'), `${root}/etc`);
  t.equal(resolveInRoot(root, '/a/rel/x'), `${root}/sibling/x`);
});

t.test('a dangling symlink is followed into the root (not the host)', async (t) => {
  const { root } = makeHost(t);
  fs.mkdirSync(path.join(root, 'etc'));
  fs.symlinkSync('/jump/baz/hosts', path.join(root, 'etc/hosts'));
  fs.symlinkSync('/tmp/foo/bar', path.join(root, 'jump'));
  t.equal(resolveInRoot(root, '/etc/hosts'), `${root}/tmp/foo/bar/baz/hosts`);
  t.equal(resolveInRoot(root, '/etc/hosts', { followFinal: false }), `${root}/etc/hosts`);
});

t.test('symlink loops fail with ELOOP', async (t) => {
  const { root } = makeHost(t);
  fs.symlinkSync('b', path.join(root, 'a'));
  fs.symlinkSync('a', path.join(root, 'b'));
  fs.symlinkSync('self/x', path.join(root, 'self'));
  t.throws(() => resolveInRoot(root, '/a'), { code: 'ELOOP', syscall: 'resolve' });
  t.throws(() => resolveInRoot(root, '/self/y'), { code: 'ELOOP' });
});

t.test('a component that is a file makes the rest lexical', async (t) => {
  const { root } = makeHost(t);
  fs.writeFileSync(path.join(root, 'file'), '');
  t.equal(resolveInRoot(root, '/file/x/y'), `${root}/file/x/y`);
});

t.test('resolveEntryInRoot resolves the parent but never the last component', async (t) => {
  const { root, outside } = makeHost(t);
  fs.symlinkSync(outside, path.join(root, 'dev'));
  fs.mkdirSync(path.join(root, outside), { recursive: true });
  t.equal(resolveEntryInRoot(root, '/dev/null'), `${root}${outside}/null`, '/dev -> host dir stays in the rootfs');
  fs.mkdirSync(path.join(root, 'd'));
  fs.symlinkSync('/etc/shadow', path.join(root, 'd/link'));
  t.equal(resolveEntryInRoot(root, '/d/link'), `${root}/d/link`);
  t.throws(() => resolveEntryInRoot(root, '/d/..'), { code: 'EINVAL' });
  t.throws(() => resolveEntryInRoot(root, '/'), { code: 'EINVAL' });
});

t.test('mkdirAllInRoot creates each component and refuses symlinks', async (t) => {
  const { root, outside } = makeHost(t);
  const target = resolveInRoot(root, '/a/b/c');
  t.equal(mkdirAllInRoot(root, target), target);
  t.ok(fs.statSync(target).isDirectory());
  mkdirAllInRoot(root, target); // idempotent

  // A symlink planted at a path already resolved (a race) is not followed.
  fs.symlinkSync(outside, path.join(root, 'planted'));
  t.throws(() => mkdirAllInRoot(root, `${root}/planted/x`), { code: 'ELOOP' });
  t.same(fs.readdirSync(outside), [], 'nothing was created outside the rootfs');

  fs.writeFileSync(path.join(root, 'file'), '');
  t.throws(() => mkdirAllInRoot(root, `${root}/file/x`), { code: 'ENOTDIR' });
  t.throws(() => mkdirAllInRoot(root, outside), { code: 'EXDEV' });
});

t.test('mkdir through a symlinked component lands inside the rootfs', async (t) => {
  const { root, outside } = makeHost(t);
  fs.symlinkSync('/', path.join(root, 'mnt'));
  fs.symlinkSync(outside, path.join(root, 'vol'));
  mkdirAllInRoot(root, resolveInRoot(root, '/mnt/x'));
  mkdirAllInRoot(root, resolveInRoot(root, '/vol/y/z'));
  t.ok(fs.statSync(`${root}/x`).isDirectory());
  t.ok(fs.statSync(`${root}${outside}/y/z`).isDirectory());
  t.same(fs.readdirSync(outside), [], 'the host directory is untouched');
});

t.test('createFileInRoot creates a file, keeps an existing entry, never writes through a symlink', async (t) => {
  const { root, outside } = makeHost(t);
  const target = resolveInRoot(root, '/etc/hosts');
  createFileInRoot(root, target);
  t.ok(fs.lstatSync(target).isFile());
  fs.writeFileSync(target, 'keep');
  createFileInRoot(root, target);
  t.equal(fs.readFileSync(target, 'utf8'), 'keep', 'no truncation');

  const sentinel = path.join(outside, 'sentinel');
  fs.symlinkSync(sentinel, path.join(root, 'raced'));
  createFileInRoot(root, `${root}/raced`); // EEXIST on the symlink itself: left alone
  t.notOk(fs.existsSync(sentinel), 'the symlink target was not created');
});

t.test('verifyInRoot accepts real paths and rejects symlinks and the outside', async (t) => {
  const { root, outside } = makeHost(t);
  fs.mkdirSync(path.join(root, 'real'));
  fs.symlinkSync('/', path.join(root, 'link'));
  t.doesNotThrow(() => verifyInRoot(root, `${root}/real`));
  t.throws(() => verifyInRoot(root, `${root}/link`), { code: 'EXDEV' });
  t.throws(() => verifyInRoot(root, outside), { code: 'EXDEV' });
  t.throws(() => verifyInRoot(root, `${root}/missing`), { code: 'ENOENT' });
});

t.test('isWithin is a path-prefix check, not a string-prefix check', async (t) => {
  t.ok(isWithin('/a/b', '/a/b'));
  t.ok(isWithin('/a/b', '/a/b/c'));
  t.notOk(isWithin('/a/b', '/a/bc'));
  t.ok(isWithin('/', '/anything'));
});
