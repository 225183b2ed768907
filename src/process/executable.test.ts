import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecLookupError, pathFromEnv, resolveExecutable } from './executable.js';

const root = mkdtempSync(join(tmpdir(), 'ocirt-exe-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, 'bin');
const sbin = join(root, 'sbin');
mkdirSync(bin);
mkdirSync(sbin);
mkdirSync(join(root, 'work'));
writeFileSync(join(bin, 'prog'), '#!/bin/sh\n', { mode: 0o755 });
writeFileSync(join(sbin, 'prog'), '#!/bin/sh\n', { mode: 0o755 });
writeFileSync(join(bin, 'plain'), 'data', { mode: 0o644 });
writeFileSync(join(sbin, 'plain'), '#!/bin/sh\n', { mode: 0o755 });
writeFileSync(join(root, 'work', 'local'), '#!/bin/sh\n', { mode: 0o755 });
mkdirSync(join(bin, 'adir'));
symlinkSync('prog', join(bin, 'link'));
symlinkSync('missing', join(bin, 'dangling'));
chmodSync(join(bin, 'plain'), 0o644);

const env = (path: string) => ['HOME=/root', `PATH=${path}`];

t.test('bare names are searched in the container PATH, first match wins', async (t) => {
  t.equal(resolveExecutable('prog', env(`${bin}:${sbin}`), '/'), join(bin, 'prog'));
  t.equal(resolveExecutable('prog', env(`${sbin}:${bin}`), '/'), join(sbin, 'prog'));
  t.equal(resolveExecutable('link', env(bin), '/'), join(bin, 'link'), 'symlinks are followed for the check');
  // Not executable in bin: skipped, found in sbin (Go's LookPath does the same).
  t.equal(resolveExecutable('plain', env(`${bin}:${sbin}`), '/'), join(sbin, 'plain'));
});

t.test('not found: runc message', async (t) => {
  for (const [name, path] of [['foo', `${bin}:${sbin}`], ['adir', bin], ['dangling', bin], ['plain', bin]] as const) {
    t.throws(() => resolveExecutable(name, env(path), '/'), { message: `exec: "${name}": executable file not found in $PATH` }, name);
  }
  t.throws(() => resolveExecutable('prog', ['HOME=/'], '/'), { message: 'exec: "prog": executable file not found in $PATH' }, 'no PATH at all');
  t.throws(() => resolveExecutable('prog', env(''), '/'), { message: 'exec: "prog": executable file not found in $PATH' }, 'empty PATH');
  const err = (() => { try { resolveExecutable('foo', env(bin), '/'); } catch (e) { return e; } })();
  t.ok(err instanceof ExecLookupError);
});

t.test('names with a slash are checked directly, relative to cwd', async (t) => {
  t.equal(resolveExecutable(join(bin, 'prog'), env(''), '/'), join(bin, 'prog'));
  t.equal(resolveExecutable('./local', env(''), join(root, 'work')), join(root, 'work', 'local'));
  t.equal(resolveExecutable('../bin/prog', env(''), join(root, 'work')), join(bin, 'prog'));
  t.throws(() => resolveExecutable('/x/none', env(bin), '/'), { message: 'exec: "/x/none": stat /x/none: no such file or directory' });
  t.throws(() => resolveExecutable('./none', env(bin), join(root, 'work')), { message: 'exec: "./none": stat ./none: no such file or directory' });
  t.throws(() => resolveExecutable(join(bin, 'plain'), env(bin), '/'), { message: `exec: "${join(bin, 'plain')}": permission denied` });
  t.throws(() => resolveExecutable(join(bin, 'adir'), env(bin), '/'), { message: `exec: "${join(bin, 'adir')}": is a directory` });
  t.throws(() => resolveExecutable(join(bin, 'prog', 'x'), env(bin), '/'), { message: `exec: "${join(bin, 'prog', 'x')}": stat ${join(bin, 'prog', 'x')}: not a directory` });
});

t.test('a program found through a relative PATH entry is refused (Go ErrDot)', async (t) => {
  t.throws(() => resolveExecutable('local', env('.'), join(root, 'work')),
    { message: 'exec: "local": cannot run executable found relative to current directory' });
  t.throws(() => resolveExecutable('local', env(`${bin}::`), join(root, 'work')),
    { message: 'exec: "local": cannot run executable found relative to current directory' }, 'empty entry means .');
});

t.test('names are quoted like Go', async (t) => {
  t.throws(() => resolveExecutable('a"b\n', env(bin), '/'), { message: 'exec: "a\\"b\\n": executable file not found in $PATH' });
});

t.test('pathFromEnv takes the last PATH', async (t) => {
  t.equal(pathFromEnv(['PATH=/a', 'X=1', 'PATH=/b']), '/b');
  t.equal(pathFromEnv(['PATHX=/a']), '');
  t.equal(pathFromEnv(undefined), '');
});
