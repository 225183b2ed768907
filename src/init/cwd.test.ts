import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCwd } from './cwd.js';

function root(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-cwd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('missing directories are created one by one inside the root, mode 0755', async (t) => {
  const r = root(t);
  ensureCwd('/a/b/../c/d', r);
  t.ok(statSync(join(r, 'a/c/d')).isDirectory());
  t.ok(statSync(join(r, 'a/b')).isDirectory(), 'a/b too: chdir resolves ".." after it');
  t.equal(statSync(join(r, 'a/c/d')).mode & 0o777, 0o755 & ~process.umask());
  ensureCwd('/a/c/d', r); // already there: nothing to do
  t.ok(statSync(join(r, 'a/c/d')).isDirectory());
});

t.test('a symlink to a directory is followed; a file in the way is ENOTDIR', async (t) => {
  const r = root(t);
  mkdirSync(join(r, 'real'));
  symlinkSync('real', join(r, 'link'));
  ensureCwd('/link/x', r);
  t.ok(statSync(join(r, 'real/x')).isDirectory());
  writeFileSync(join(r, 'file'), '');
  t.throws(() => ensureCwd('/file/x', r), { message: 'create cwd /file/x: mkdir /file: ENOTDIR', code: 'ENOTDIR' });
});

t.test('nothing is ever created under /proc, and the answer is immediate', async (t) => {
  const r = root(t);
  mkdirSync(join(r, 'proc'));
  const t0 = Date.now();
  t.throws(() => ensureCwd('/proc/nonexistent', r), {
    message: 'refusing to create cwd /proc/nonexistent under /proc: stat /proc/nonexistent: ENOENT', code: 'ENOENT',
  });
  t.throws(() => ensureCwd('/proc/self/fd/21', r), { message: /^refusing to create cwd \/proc\/self\/fd\/21 under \/proc: stat \/proc\/self\/fd\/21: ENOENT \(no such file or directory\)$/ });
  t.throws(() => statSync(join(r, 'proc/nonexistent')), { code: 'ENOENT' }, 'not created');
  t.ok(Date.now() - t0 < 1000);
  mkdirSync(join(r, 'proc/sys'));
  ensureCwd('/proc/sys', r); // an existing directory is fine
});

t.test('the real /proc: a missing fd path fails at once instead of looping', async (t) => {
  // Node's recursive mkdir never returns on this path (the parent exists, the child is refused).
  t.throws(() => ensureCwd('/proc/self/fd/999', '/'), { message: /stat \/proc\/self\/fd\/999: ENOENT/ });
});

t.test('errors name the component and errno', async (t) => {
  const r = root(t);
  mkdirSync(join(r, 'ro'), 0o500);
  if (process.getuid?.() === 0) {
    // root ignores the mode: use a path whose parent is a file-less dead end instead.
    symlinkSync('/nonexistent-target-dir/x', join(r, 'dangling'));
    t.throws(() => ensureCwd('/dangling/y', r), { message: /^create cwd \/dangling\/y: (mkdir|stat) \/dangling: E[A-Z]+ \([a-z ]+\)$/ });
  } else {
    t.throws(() => ensureCwd('/ro/x', r), { message: 'create cwd /ro/x: mkdir /ro/x: EACCES' });
  }
  t.throws(() => ensureCwd('relative', r), { message: 'cwd "relative" is not an absolute path' });
});
