import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AT_RECURSIVE, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE } from '../../../ffi/constants.js';
import { FakeSys } from '../../../test/fakes/fake.js';
import { planOf } from '../../../test/fakes/plans.js';
import type { Mount } from '../../generated/config.js';
import { openIdmappedSources } from './idmapped-mounts.js';
import type { UserNamespaceHolder } from './userns-holder.js';

const CONTAINER_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const OWN_MAP = [{ containerID: 1000, hostID: 100000, size: 1 }];

/** Holders whose /proc/<pid> is a directory of `proc` and whose namespace is a plain file. */
function fakeHolders(t: Test) {
  const proc = mkdtempSync(join(tmpdir(), 'ocirt-idmap-proc-'));
  t.teardown(() => rmSync(proc, { recursive: true, force: true }));
  const started: number[] = [];
  const stopped: number[] = [];
  let next = 500;
  const startHolder = async (): Promise<UserNamespaceHolder> => {
    const pid = next++;
    mkdirSync(join(proc, String(pid)));
    writeFileSync(join(proc, String(pid), 'ns-user'), '');
    started.push(pid);
    return { pid, nsPath: join(proc, String(pid), 'ns-user'), stop: async () => { stopped.push(pid); } };
  };
  const map = (pid: number, name: string) => readFileSync(join(proc, String(pid), name), 'utf8');
  return { proc, started, stopped, startHolder, map };
}

function mountsOf(mounts: Mount[]) {
  return planOf({
    mounts,
    linux: { namespaces: [{ type: 'mount' }, { type: 'user' }], uidMappings: CONTAINER_MAP, gidMappings: CONTAINER_MAP },
  }).mounts;
}

t.test('no id-mapped mount: no holder, no syscall', async (t) => {
  const sys = new FakeSys();
  const h = fakeHolders(t);
  const fds = await openIdmappedSources(sys, mountsOf([{ destination: '/v', type: 'bind', source: '/src' }]), { startHolder: h.startHolder, procRoot: h.proc });
  t.equal(fds.size, 0);
  t.same(sys.calls, []);
  t.same(h.started, []);
});

t.test('each id-mapped mount is a detached copy mapped through a namespace with its maps, one holder per distinct maps', async (t) => {
  const sys = new FakeSys();
  const h = fakeHolders(t);
  const mounts = mountsOf([
    { destination: '/plain', type: 'bind', source: '/p' },
    { destination: '/a', type: 'bind', source: '/src-a', options: ['bind', 'idmap'] },
    { destination: '/b', type: 'bind', source: '/src-b', options: ['rbind', 'ridmap'] },
    { destination: '/c', type: 'bind', source: '/src-c', options: ['rbind', 'idmap'], uidMappings: OWN_MAP, gidMappings: OWN_MAP },
  ]);
  const fds = await openIdmappedSources(sys, mounts, { startHolder: h.startHolder, procRoot: h.proc });
  t.same([...fds], [[1, 100], [2, 101], [3, 102]], 'mount index → its tree fd');
  t.same(sys.of('openTree'), [
    ['/src-a', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC],
    ['/src-b', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE],
    ['/src-c', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE],
  ], 'rbind copies the submounts');
  const setattr = sys.of('setMountIdmap');
  t.same(setattr.map(([tree, , flags, what]) => [tree, flags, what]), [
    [100, 0, '/src-a'], [101, AT_RECURSIVE, '/src-b'], [102, 0, '/src-c'],
  ], 'ridmap maps the submounts too, idmap only the top mount');
  t.equal(setattr[0]![1], setattr[1]![1], 'the container\'s maps: one namespace for both');
  t.not(setattr[2]![1], setattr[0]![1], 'the mount\'s own maps: a namespace of their own');
  t.same(h.started, [500, 501]);
  t.equal(h.map(500, 'uid_map'), '0 100000 65536\n');
  t.equal(h.map(500, 'gid_map'), '0 100000 65536\n');
  t.equal(h.map(501, 'uid_map'), '1000 100000 1\n');
  t.equal(h.map(501, 'setgroups'), 'allow');
  t.same(h.stopped, [500, 501], 'every holder is stopped once the mounts are mapped');
});

t.test('a refused mapping closes what was made, stops the holders and names the mount, syscall and errno', async (t) => {
  const sys = new FakeSys().failOn('setMountIdmap', 'EINVAL', (a) => a[3] === '/src-b');
  const h = fakeHolders(t);
  const mounts = mountsOf([
    { destination: '/a', type: 'bind', source: '/src-a', options: ['bind', 'idmap'] },
    { destination: '/b', type: 'bind', source: '/src-b', options: ['bind', 'idmap'], uidMappings: OWN_MAP, gidMappings: OWN_MAP },
  ]);
  await t.rejects(openIdmappedSources(sys, mounts, { startHolder: h.startHolder, procRoot: h.proc }),
    { message: 'id-map mount /src-b to /b: setMountIdmap /src-b: EINVAL (invalid argument)' });
  t.same(h.stopped, [500, 501]);
});

t.test('a holder whose maps cannot be written is stopped', async (t) => {
  const sys = new FakeSys();
  const h = fakeHolders(t);
  const startHolder = async () => ({ pid: 999, nsPath: '/nonexistent', stop: async () => { h.stopped.push(999); } });
  await t.rejects(openIdmappedSources(sys, mountsOf([{ destination: '/a', type: 'bind', source: '/s', options: ['idmap', 'bind'] }]),
    { startHolder, procRoot: h.proc }), /id-map mount \/s to \/a: write the user namespace's uid_map: write .*\/999\/uid_map: ENOENT/);
  t.same(h.stopped, [999]);
  t.same(sys.of('openTree'), [], 'no tree made');
});
