// A config without a mount namespace runs, as with runc (unlisted namespaces are
// inherited): the init mounts in the host's namespace under the rootfs and chroots.
// Unlike runc, nothing of it stays in the host's mount table after delete, or after
// a create that failed half-way, and the host's propagation is left alone.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, ROOTFS } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

/** Mount points at or under `dir` in the host's (our) mount table. */
function mountsAt(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** The optional fields (propagation) of the host's `/`. */
function rootPropagation(): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === '/') ?? '';
  const f = line.split(' ');
  return f.slice(6, f.indexOf('-')).join(' ');
}

/** A bundle with its own copy of the rootfs (mounts are made in it, on the host) and no mount namespace. */
function noMountNsBundle(t: { teardown(fn: () => void): void }, patch: (s: Spec) => void = () => {}): { bundle: string; rootfs: string } {
  const rootfs = join(tempDir(t, 'ocirt-rootfs-'), 'rootfs');
  const cp = spawnSync('cp', ['-a', ROOTFS, rootfs]);
  if (cp.status !== 0) throw new Error(`cp rootfs: ${cp.stderr}`);
  writeFileSync(join(rootfs, 'marker'), 'inside\n');
  const bundle = makeBundle(t, (s) => {
    s.root = { path: rootfs, readonly: true };
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
    // runc refuses these without a mount namespace ("unable to restrict sys entries"), and so do we.
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
    patch(s);
  });
  // A failed test must not leave the host's table full of our mounts.
  t.teardown(() => { spawnSync('umount', ['-R', '-l', rootfs]); });
  return { bundle, rootfs };
}

t.test('run without a mount namespace: the process runs chrooted, nothing stays mounted', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const { bundle, rootfs } = noMountNsBundle(t, (s) => { s.process!.args = ['sh', '-c', 'echo hello; cat /marker; ls /proc/self/ >/dev/null && echo proc'] });
  const propagation = rootPropagation();
  const id = `nomnt-run-${process.pid}`;
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const r = ocirt(['--root', root, 'run', '--bundle', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'hello\ninside\nproc\n');
  t.same(mountsAt(rootfs), [], 'no mount left under the rootfs');
  t.equal(rootPropagation(), propagation, "the host's / propagation is unchanged");
  t.same(findCgroupDirs(id), [], 'no cgroup left');
});

t.test('create, start, exec and delete without a mount namespace', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  const { bundle, rootfs } = noMountNsBundle(t, (s) => { s.process!.args = ['sleep', '300'] });
  const id = `nomnt-csd-${process.pid}`;
  t.teardown(() => { R('delete', '--force', id); });
  const c = R('create', '--bundle', bundle, id);
  t.equal(c.status, 0, c.stderr);
  t.ok(mountsAt(rootfs).includes(`${rootfs}/proc`), 'proc is mounted on the host under the rootfs while the container exists');
  t.equal(R('start', id).status, 0);
  const e = R('exec', id, 'sh', '-c', 'cat /marker; echo hi');
  t.equal(e.status, 0, e.stderr);
  t.equal(e.stdout, 'inside\nhi\n', "exec runs in the container's root, not the host's");
  const d = R('delete', '--force', id);
  t.equal(d.status, 0, d.stderr);
  t.same(mountsAt(rootfs), [], 'delete --force removed every mount create made');
  t.same(findCgroupDirs(id), [], 'no cgroup left');
  t.same(processesWith(id), [], 'no process left');

  // A stopped container, deleted without --force.
  const once = noMountNsBundle(t, (s) => { s.process!.args = ['true'] });
  const id2 = `nomnt-stop-${process.pid}`;
  t.teardown(() => { R('delete', '--force', id2); });
  t.equal(R('create', '--bundle', once.bundle, id2).status, 0);
  t.equal(R('start', id2).status, 0);
  for (let i = 0; i < 100 && !R('state', id2).stdout.includes('"stopped"'); i++) await new Promise((res) => setTimeout(res, 50));
  const d2 = R('delete', id2);
  t.equal(d2.status, 0, d2.stderr);
  t.same(mountsAt(once.rootfs), [], 'delete removed every mount create made');
});

t.test('a create that fails half-way without a mount namespace leaves no mount', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const { bundle, rootfs } = noMountNsBundle(t, (s) => {
    // After proc, dev, sys and the cgroup mounts: a bind of a source that does not exist.
    s.mounts!.push({ destination: '/mnt/missing', type: 'bind', source: '/nonexistent-ocirt-source', options: ['rbind'] });
  });
  const id = `nomnt-fail-${process.pid}`;
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.not(r.status, 0);
  t.match(r.stderr, /\/nonexistent-ocirt-source.*ENOENT/);
  t.same(mountsAt(rootfs), [], 'no mount left under the rootfs');
  t.notOk(existsSync(join(root, id)), 'no state directory left');
  t.same(findCgroupDirs(id), [], 'no cgroup left');
  t.same(processesWith(id), [], 'no process left');
});
