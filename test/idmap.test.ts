// Id-mapped bind mounts (runtime run as root): `idmap`/`ridmap` without maps of their own
// take the container's user namespace's, a mount's own uidMappings/gidMappings map ids of
// the source (containerID) to ids seen through the mount (hostID), ridmap maps the
// submounts of an rbind too, and neither a holder process nor a mount is left behind,
// also when create fails after the mount was mapped.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, mountsUnder, ROOTFS } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Mount, Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

const CONTAINER_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
/** An id only this test run uses, so that a namespace with these maps can only be ours. */
const OWN_ID = 20000 + (process.pid % 40000);
const OWN_MAP = [{ containerID: OWN_ID, hostID: 100000, size: 1 }];

let n = 0;
const newId = () => `idmap-${process.pid}-${++n}`;

function withUserNamespace(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = CONTAINER_MAP;
  s.linux!.gidMappings = CONTAINER_MAP;
}

function container(t: Test, args: string[], mounts: Mount[], patch: (s: Spec) => void = withUserNamespace) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { patch(s); s.process!.args = args; s.mounts!.push(...mounts); });
  const id = newId();
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  return { root, bundle, id, R };
}

/** A directory owned by uid:gid, which the container's root may enter through a plain bind too, with a file owned by them. */
function source(t: Test, uid = 0, gid = 0): string {
  const dir = tempDir(t, 'ocirt-idmap-src-');
  chmodSync(dir, 0o755);
  chownSync(dir, uid, gid);
  writeFileSync(join(dir, 'file'), 'x');
  chownSync(join(dir, 'file'), uid, gid);
  return dir;
}

/** Prints `uid gid` of each path, as the container sees them, then runs `then`. */
const owners = (paths: string[], then = 'true') => ['sh', '-c', `stat -c '%u %g' ${paths.join(' ')}; ${then}`];

/** The host pids of processes in a user namespace whose uid_map is exactly `map`. */
function processesWithUidMap(map: { containerID: number; hostID: number; size: number }[]): number[] {
  const want = map.map((m) => `${m.containerID} ${m.hostID} ${m.size}`).join('\n');
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/uid_map`, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).join('\n') === want;
    } catch {
      return false;
    }
  });
}

t.test('idmap without maps of its own: host root\'s file is the container root\'s, and the container root\'s files land as host root', async (t) => {
  const src = source(t);
  const { R, bundle, id } = container(t, owners(['/home/file', '/tmp/file', '/etc/group'], 'touch /home/made'), [
    { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'] },
    { destination: '/tmp', type: 'bind', source: src, options: ['bind'] },
    { destination: '/etc/group', type: 'bind', source: join(src, 'file'), options: ['bind', 'idmap'] },
  ]);
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n'), ['0 0', '65534 65534', '0 0'], 'id-mapped: root; the same file bound plainly: nobody; a file source mapped too');
  const made = statSync(join(src, 'made'));
  t.same([made.uid, made.gid], [0, 0], 'the file made by the container\'s root (100000) is host root\'s');
  t.same(findCgroupDirs(id), [], 'no cgroup left');
});

t.test('the mount\'s own maps: its containerID is the id on the source, its hostID the id seen through the mount', async (t) => {
  const src = source(t, OWN_ID, OWN_ID);
  writeFileSync(join(src, 'root-owned'), 'x');
  const { R, bundle, id } = container(t, owners(['/home/file', '/home/root-owned'], 'touch /home/made'), [
    { destination: '/home', type: 'bind', source: src, options: ['rbind', 'idmap'], uidMappings: OWN_MAP, gidMappings: OWN_MAP },
  ]);
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n'), ['0 0', '65534 65534'],
    `uid ${OWN_ID} on the source is host 100000, the container's root; uid 0, outside the map, is nobody`);
  const made = statSync(join(src, 'made'));
  t.same([made.uid, made.gid], [OWN_ID, OWN_ID], 'the container root\'s new file lands with the source\'s id');
});

t.test('the mount\'s own maps without a user namespace: a container run as host root sees the mapped ids', async (t) => {
  const src = source(t);
  const map = [{ containerID: 0, hostID: 1234, size: 1 }];
  const { R, bundle, id } = container(t, owners(['/home/file', '/tmp/file']), [
    { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map },
    { destination: '/tmp', type: 'bind', source: src, options: ['bind'] },
  ], () => {});
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n'), ['1234 1234', '0 0']);
});

t.test('ridmap maps the submounts of an rbind, idmap only its top mount; a plain bind leaves the submount out', async (t) => {
  const src = source(t);
  const sub = join(src, 'sub');
  mkdirSync(sub);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', sub], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`mount tmpfs on ${sub}: ${m.stderr}`);
  t.teardown(() => { spawnSync('umount', ['-l', sub]); });
  writeFileSync(join(sub, 'file'), 'x');
  const { R, bundle, id } = container(t, ['sh', '-c', "stat -c '%u' /home/file /home/sub/file /tmp/file /tmp/sub/file; ls /root/sub | wc -l; stat -c '%u' /root/file"], [
    { destination: '/home', type: 'bind', source: src, options: ['rbind', 'idmap'] },
    { destination: '/tmp', type: 'bind', source: src, options: ['rbind', 'ridmap'] },
    { destination: '/root', type: 'bind', source: src, options: ['bind', 'ridmap'] },
  ]);
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n').map((l) => l.trim()), ['0', '65534', '0', '0', '0', '0'],
    'idmap: top mapped, submount not; ridmap: both; bind: no submount (an empty directory), top mapped');
  t.same(mountsUnder(src).sort(), [sub], 'only the test\'s own submount on the host');
});

t.test('no holder outlives the mapping, and delete leaves neither process nor mount', async (t) => {
  const src = source(t, OWN_ID, OWN_ID);
  const seen = join(tempDir(t), 'seen');
  // The createRuntime hook runs in the runtime while create is under way, after the mounts were mapped.
  const hook = `for f in /proc/[0-9]*/uid_map; do if [ "$(tr -s ' ' < $f | sed 's/^ //')" = "${OWN_ID} 100000 1" ]; then echo $f; fi; done > ${seen}`;
  const { R, bundle, id } = container(t, ['sleep', '300'], [
    { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: OWN_MAP, gidMappings: OWN_MAP },
  ], (s) => { withUserNamespace(s); s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', hook] }] }; });
  const before = mountsUnder(src);
  const r = R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.equal(readFileSync(seen, 'utf8'), '', 'no process in a namespace with the mount\'s maps while create ran its hooks');
  t.same(processesWithUidMap(OWN_MAP), [], 'none after create either');
  const pid = JSON.parse(R('state', id).stdout).pid as number;
  t.match(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'), /\s\/home\s.*\bidmapped\b/, 'the container\'s /home is id-mapped');
  t.same(mountsUnder(src), before, 'nothing mounted on the host');
  t.equal(R('delete', '--force', id).status, 0);
  t.same(processesWithUidMap(OWN_MAP), []);
  t.same(mountsUnder(src), before);
  t.same(findCgroupDirs(id), []);
});

t.test('a create that fails after the mount was mapped and attached leaves nothing', async (t) => {
  const src = source(t, OWN_ID, OWN_ID);
  for (const fail of ['mount', 'hook'] as const) {
    const { R, bundle, id, root } = container(t, ['true'], [
      { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: OWN_MAP, gidMappings: OWN_MAP },
      ...(fail === 'mount' ? [{ destination: '/tmp', type: 'nosuchfs', source: 'none' }] : []),
    ], (s) => {
      withUserNamespace(s);
      if (fail === 'hook') s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] };
    });
    const r = R('create', '--bundle', bundle, id);
    t.equal(r.status, 1, `${fail}: create fails`);
    t.match(r.stderr, fail === 'mount' ? /mount none to \/tmp.*ENODEV/ : /error running createRuntime hook #0/);
    t.notOk(existsSync(join(root, id)), `${fail}: no state dir`);
    t.same(findCgroupDirs(id), [], `${fail}: no cgroup`);
    t.same(processesWithUidMap(OWN_MAP), [], `${fail}: no process with the mount's maps`);
    t.same(mountsUnder(src), [], `${fail}: no mount on the host`);
  }
});

t.test('without a mount namespace the mapped mount lands in the host\'s table under the rootfs, and delete takes it away', async (t) => {
  const src = source(t);
  // A rootfs of its own: the mounts are made in it, on the host.
  const rootfs = join(tempDir(t, 'ocirt-rootfs-'), 'rootfs');
  const cp = spawnSync('cp', ['-a', ROOTFS, rootfs], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp rootfs: ${cp.stderr}`);
  t.teardown(() => { spawnSync('umount', ['-R', '-l', rootfs]); });
  const map = [{ containerID: 0, hostID: 1234, size: 1 }];
  const { R, bundle, id } = container(t, ['sleep', '300'], [
    { destination: '/home', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map },
  ], (s) => {
    s.root = { path: rootfs, readonly: true };
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
  });
  const r = R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.equal(statSync(join(rootfs, 'home/file')).uid, 1234, 'the host sees the mapped owner through the mount');
  t.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`\\s${rootfs}/home\\s.*\\bidmapped\\b`));
  t.equal(R('delete', '--force', id).status, 0);
  t.same(mountsUnder(rootfs), [], 'nothing left mounted');
});
