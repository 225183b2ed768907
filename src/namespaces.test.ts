import t from 'tap';
import { closeSync, readlinkSync } from 'node:fs';
import { CLONE_FS, CLONE_NEWNS, CLONE_NEWPID } from '../ffi/constants.js';
import { FakeSys } from '../test/fakes/fake.js';
import { ConfigError } from './config/errors.js';
import { linuxSys } from './syscall/linux.js';
import {
  JOIN_ORDER, NAMESPACES, NAMESPACE_TYPES, checkNamespacePaths, isNamespaceType, joinNamespace,
  namespaceCloneFlag, namespaceProcPath, openNamespace, sameNamespace, withChildPidNamespace,
} from './namespaces.js';
import { hasNewNamespace } from './namespace-spec.js';

t.test('namespace table', async (t) => {
  t.same([...NAMESPACE_TYPES], ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time']);
  const expected: Record<string, [number, string]> = {
    pid: [0x20000000, 'pid'], network: [0x40000000, 'net'], mount: [0x20000, 'mnt'], ipc: [0x8000000, 'ipc'],
    uts: [0x4000000, 'uts'], user: [0x10000000, 'user'], cgroup: [0x2000000, 'cgroup'], time: [0x80, 'time'],
  };
  let seen = 0;
  for (const type of NAMESPACE_TYPES) {
    const [flag, proc] = expected[type]!;
    t.equal(namespaceCloneFlag(type), flag, `${type} flag`);
    t.equal(namespaceProcPath(type), `/proc/self/ns/${proc}`);
    t.equal(seen & flag, 0, `${type} flag is distinct`);
    seen |= flag;
    t.equal(isNamespaceType(type), true);
  }
  t.equal(namespaceProcPath('network', 1234), '/proc/1234/ns/net');
  for (const bad of ['net', 'mnt', 'NETWORK', '', 'toString', '__proto__']) {
    t.equal(isNamespaceType(bad), false, `${JSON.stringify(bad)} is not a type`);
    t.throws(() => namespaceCloneFlag(bad), { message: `unknown namespace type ${JSON.stringify(bad)}` });
  }
});

t.test('every namespace file exists in /proc on the running kernel', async (t) => {
  for (const type of NAMESPACE_TYPES) {
    const path = namespaceProcPath(type);
    t.match(readlinkSync(path), new RegExp(`^${NAMESPACES[type].procName}:\\[\\d+\\]$`), path);
  }
});

t.test('join order: mount last, never pid or user', async (t) => {
  t.equal(JOIN_ORDER[JOIN_ORDER.length - 1], 'mount');
  t.notOk(JOIN_ORDER.includes('pid'));
  t.notOk(JOIN_ORDER.includes('user'));
  t.same([...JOIN_ORDER].sort(), NAMESPACE_TYPES.filter((n) => n !== 'pid' && n !== 'user').sort());
});

t.test('hasNewNamespace', async (t) => {
  const spec = { linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/run/netns/x' }] } };
  t.equal(hasNewNamespace(spec, 'pid'), true);
  t.equal(hasNewNamespace(spec, 'network'), false, 'joined by path is not new');
  t.equal(hasNewNamespace(spec, 'mount'), false);
  t.equal(hasNewNamespace({}, 'pid'), false);
});

t.test('joinNamespace: a mount namespace needs an fs_struct of its own first', async (t) => {
  const sys = new FakeSys();
  joinNamespace(sys, 7, 'mount', 'mount namespace of the container');
  joinNamespace(sys, 8, 'ipc', 'ipc namespace of the container');
  t.same(sys.calls.map((c) => [c.name, ...c.args]), [
    ['unshare', CLONE_FS],
    ['setns', 7, CLONE_NEWNS, 'mount namespace of the container'],
    ['setns', 8, NAMESPACES.ipc.cloneFlag, 'ipc namespace of the container'],
  ]);
});

t.test('openNamespace and sameNamespace', async (t) => {
  const fd = openNamespace(namespaceProcPath('pid'));
  t.teardown(() => closeSync(fd));
  t.equal(sameNamespace(fd, 'pid'), true);
  t.equal(sameNamespace(fd, 'network'), false, 'a pid namespace is no network namespace');
  t.throws(() => openNamespace('/nonexistent/ns'), { syscall: 'open', code: 'ENOENT', target: '/nonexistent/ns' });
});

t.test('withChildPidNamespace enters, spawns and comes back', async (t) => {
  const sys = new FakeSys();
  t.equal(withChildPidNamespace(sys, { new: true }, () => {
    t.same(sys.of('unshare'), [[CLONE_NEWPID]], 'entered before fn');
    t.same(sys.of('setns'), [], 'not back yet');
    return 'spawned';
  }), 'spawned');
  const back = sys.of('setns');
  t.equal(back.length, 1);
  t.equal(back[0]![1], CLONE_NEWPID);
  t.equal(back[0]![2], 'back to the runtime pid namespace');
});

t.test('withChildPidNamespace comes back even when fn throws', async (t) => {
  const sys = new FakeSys();
  t.throws(() => withChildPidNamespace(sys, { path: namespaceProcPath('pid') }, () => {
    throw new Error('spawn failed');
  }), { message: 'spawn failed' });
  t.same(sys.of('setns').map((a) => a[2]), [namespaceProcPath('pid'), 'back to the runtime pid namespace']);
});

t.test('withChildPidNamespace: entering fails, nothing to come back from', async (t) => {
  const sys = new FakeSys().failOn('unshare', 'EPERM');
  let ran = false;
  t.throws(() => withChildPidNamespace(sys, { new: true }, () => { ran = true; }), { syscall: 'unshare', code: 'EPERM' });
  t.equal(ran, false);
  t.same(sys.of('setns'), []);
});

t.test('withChildPidNamespace: an fd of our own namespace changes nothing', async (t) => {
  const sys = new FakeSys();
  const fd = openNamespace(namespaceProcPath('pid'));
  t.teardown(() => closeSync(fd));
  t.equal(withChildPidNamespace(sys, { fd }, () => 1), 1);
  t.same(sys.calls, []);
});

t.test('checkNamespacePaths: each path is a namespace file of its type, else a ConfigError at its pointer', async (t) => {
  t.doesNotThrow(() => checkNamespacePaths({ linux: { namespaces: [{ type: 'network', path: '/proc/self/ns/net' }, { type: 'mount' }, { type: 'time', path: '/proc/self/ns/time' }] } }, linuxSys));
  t.doesNotThrow(() => checkNamespacePaths({}, linuxSys));
  const err = t.throws(() => checkNamespacePaths({ linux: { namespaces: [
    { type: 'uts' }, { type: 'time', path: '/proc/self/ns/net' }, { type: 'ipc', path: '/proc/self/status' }, { type: 'user', path: '/nonexistent/ns' },
  ] } }, linuxSys)) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.same(err.issues, [
    { pointer: '/linux/namespaces/1/path', message: '/proc/self/ns/net is a net namespace, not a time namespace' },
    { pointer: '/linux/namespaces/2/path', message: '/proc/self/status is not a namespace file' },
    { pointer: '/linux/namespaces/3/path', message: 'open /nonexistent/ns: ENOENT (no such file or directory)' },
  ]);
});
