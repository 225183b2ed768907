import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import { RuntimeError, SyscallError } from '../../errors.js';
import type { ContainerPlan, UserNamespacePlan } from '../../plan/types.js';
import {
  checkRootlessMaps, formatIdMap, hostIdOf, idMapTool, joinedUserNamespace, parseIdMap, readUserNamespaceMaps, rootlessCaller, sameIdMap,
  userName, withJoinedUserNamespaceMaps, writeIdMaps,
} from './id-maps.js';

const uidMap = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 5000, size: 1 }];
const gidMap = [{ containerID: 0, hostID: 200000, size: 65536 }];

t.test('a map is one "containerID hostID size" line per range', async (t) => {
  t.equal(formatIdMap(uidMap), '0 100000 1000\n1000 5000 1\n');
  t.equal(formatIdMap([]), '');
});

t.test('hostIdOf: the host id a container id is, or undefined outside every range', async (t) => {
  t.equal(hostIdOf(uidMap, 0), 100000);
  t.equal(hostIdOf(uidMap, 999), 100999);
  t.equal(hostIdOf(uidMap, 1000), 5000);
  t.equal(hostIdOf(uidMap, 1001), undefined);
});

t.test('writeIdMaps writes uid_map, then setgroups, then gid_map of the pid', async (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'ocirt-id-maps-'));
  t.teardown(() => rmSync(proc, { recursive: true, force: true }));
  mkdirSync(join(proc, '42'));
  writeIdMaps(42, { uidMap, gidMap }, { procRoot: proc });
  t.equal(readFileSync(join(proc, '42/uid_map'), 'utf8'), '0 100000 1000\n1000 5000 1\n');
  t.equal(readFileSync(join(proc, '42/setgroups'), 'utf8'), 'allow');
  t.equal(readFileSync(join(proc, '42/gid_map'), 'utf8'), '0 200000 65536\n');
  const err = t.throws(() => writeIdMaps(43, { uidMap, gidMap }, { procRoot: proc })) as unknown as SyscallError;
  t.ok(err instanceof SyscallError);
  t.equal(err.message, `write the user namespace's uid_map: write ${proc}/43/uid_map: ENOENT (no such file or directory)`);
});

const caller = { uid: 1000, gid: 1001, subuids: [{ start: 100000, count: 65536 }], subgids: [{ start: 100000, count: 1000 }, { start: 300000, count: 10 }] };

t.test('checkRootlessMaps: the caller\'s own id alone, or ranges within its subid ranges; others at their JSON pointer', async (t) => {
  t.same(checkRootlessMaps({ uidMap: [{ containerID: 0, hostID: 1000, size: 1 }], gidMap: [{ containerID: 0, hostID: 1001, size: 1 }] }, caller), []);
  t.same(checkRootlessMaps({
    uidMap: [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }],
    gidMap: [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 10 }, { containerID: 2000, hostID: 1001, size: 1 }],
  }, caller), []);
  t.same(checkRootlessMaps({
    uidMap: [{ containerID: 0, hostID: 1000, size: 2 }, { containerID: 2, hostID: 165535, size: 2 }, { containerID: 5, hostID: 0, size: 1 }],
    gidMap: [{ containerID: 0, hostID: 100999, size: 2 }],
  }, caller), [
    { pointer: '/linux/uidMappings/0', message: 'host uids 1000-1001 may not be mapped by uid 1000: neither its own uid nor within its ranges in /etc/subuid (100000-165535)' },
    { pointer: '/linux/uidMappings/1', message: 'host uids 165535-165536 may not be mapped by uid 1000: neither its own uid nor within its ranges in /etc/subuid (100000-165535)' },
    { pointer: '/linux/uidMappings/2', message: 'host uids 0-0 may not be mapped by uid 1000: neither its own uid nor within its ranges in /etc/subuid (100000-165535)' },
    { pointer: '/linux/gidMappings/0', message: 'host gids 100999-101000 may not be mapped by gid 1001: neither its own gid nor within its ranges in /etc/subgid (100000-100999, 300000-300009)' },
  ]);
  t.match(checkRootlessMaps({ uidMap: [{ containerID: 0, hostID: 5, size: 1 }], gidMap: [] }, { ...caller, subuids: [] })[0]?.message, /\(none\)$/);
});

t.test('rootless writeIdMaps: its own id alone written directly, setgroups denied first, ranges through newuidmap/newgidmap', async (t) => {
  const proc = mkdtempSync(join(tmpdir(), 'ocirt-id-maps-'));
  t.teardown(() => rmSync(proc, { recursive: true, force: true }));
  mkdirSync(join(proc, '7'));
  const calls: string[] = [];
  const runTool = (name: string, args: string[]) => { calls.push(`${name} ${args.join(' ')}`); };
  const own = { uidMap: [{ containerID: 0, hostID: 1000, size: 1 }], gidMap: [{ containerID: 0, hostID: 1001, size: 1 }] };
  writeIdMaps(7, own, { procRoot: proc, rootless: { uid: 1000, gid: 1001 }, runTool });
  t.same(calls, []);
  t.equal(readFileSync(join(proc, '7/uid_map'), 'utf8'), '0 1000 1\n');
  t.equal(readFileSync(join(proc, '7/setgroups'), 'utf8'), 'deny');
  t.equal(readFileSync(join(proc, '7/gid_map'), 'utf8'), '0 1001 1\n');

  mkdirSync(join(proc, '8'));
  const ranges = {
    uidMap: [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }],
    gidMap: [{ containerID: 0, hostID: 1001, size: 1 }],
  };
  writeIdMaps(8, ranges, { procRoot: proc, rootless: { uid: 1000, gid: 1001 }, runTool });
  t.same(calls, ['newuidmap 8 0 1000 1 1 100000 65536']);
  t.notOk(existsSync(join(proc, '8/uid_map')), 'uid_map left to newuidmap');
  t.equal(readFileSync(join(proc, '8/setgroups'), 'utf8'), 'deny');
  t.equal(readFileSync(join(proc, '8/gid_map'), 'utf8'), '0 1001 1\n');

  mkdirSync(join(proc, '9'));
  calls.length = 0;
  writeIdMaps(9, { uidMap: own.uidMap, gidMap: [{ containerID: 0, hostID: 5, size: 1 }] }, { procRoot: proc, rootless: { uid: 1000, gid: 1001 }, runTool });
  t.same(calls, ['newgidmap 9 0 5 1'], 'another gid, even alone, needs newgidmap');
});

t.test('newuidmap and newgidmap are found in fixed directories, never through PATH', async (t) => {
  t.equal(idMapTool('newuidmap', ['/nonexistent', '/usr/bin']), '/usr/bin/newuidmap');
  t.throws(() => idMapTool('newgidmap', ['/nonexistent', '/also-not']),
    new RuntimeError('rootless user namespace maps need newgidmap: not found in /nonexistent or /also-not'));
});

t.test('the caller\'s name from passwd, and its subid ranges by that name', async (t) => {
  const etc = mkdtempSync(join(tmpdir(), 'ocirt-etc-'));
  t.teardown(() => rmSync(etc, { recursive: true, force: true }));
  const uid = process.geteuid!();
  writeFileSync(join(etc, 'passwd'), `other:x:${uid + 1}:1::/:/bin/sh\nme:x:${uid}:${process.getegid!()}::/:/bin/sh\n`);
  writeFileSync(join(etc, 'subuid'), 'other:1:1\nme:200000:65536\n');
  writeFileSync(join(etc, 'subgid'), `${uid}:300000:10\n`);
  t.equal(userName(uid, etc), 'me');
  t.equal(userName(uid + 2, etc), undefined);
  t.same(rootlessCaller(etc), {
    uid, gid: process.getegid!(), subuids: [{ start: 200000, count: 65536 }], subgids: [{ start: 300000, count: 10 }],
  });
});

t.test('parseIdMap reads the kernel\'s aligned columns; sameIdMap ignores the order of ranges', async (t) => {
  t.same(parseIdMap('         0     100000       1000\n      1000       5000          1\n'), uidMap);
  t.same(parseIdMap(''), []);
  t.ok(sameIdMap(uidMap, [...uidMap].reverse()));
  t.notOk(sameIdMap(uidMap, uidMap.slice(0, 1)));
  t.notOk(sameIdMap(uidMap, [{ ...uidMap[0]!, size: 999 }, uidMap[1]!]));
});

t.test('joinedUserNamespace: the namespace\'s maps; the config\'s, when given, must be those', async (t) => {
  const read = () => ({ uidMap, gidMap });
  t.same(joinedUserNamespace({ path: '/p', uidMap: [], gidMap: [] }, read), { path: '/p', uidMap, gidMap }, 'none given: the namespace\'s');
  t.same(joinedUserNamespace({ path: '/p', uidMap: [...uidMap].reverse(), gidMap }, read), { path: '/p', uidMap, gidMap }, 'the same ranges');
  const err = t.throws(() => joinedUserNamespace({ path: '/p', uidMap: [], gidMap: [{ containerID: 0, hostID: 100000, size: 65536 }] }, read)) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.same(err.issues.map((i) => i.pointer), ['/linux/gidMappings']);
  t.match(err.message, /^invalid config\.json: \/linux\/gidMappings: is not the map of the user namespace \/p \(0 200000 65536\)/);
});

t.test('readUserNamespaceMaps names the namespace and nsenter\'s complaint', async (t) => {
  t.throws(() => readUserNamespaceMaps('/nonexistent/ns/user'), { message: /^read the maps of the user namespace \/nonexistent\/ns\/user: nsenter --user: .*No such file or directory/ });
});

t.test('withJoinedUserNamespaceMaps: only a joined user namespace gets the maps read from it', async (t) => {
  const read = (path: string) => (path === '/p' ? { uidMap, gidMap } : t.fail('read only the joined namespace') as never);
  const plan = (user?: UserNamespacePlan) => ({ namespaces: { types: [], join: [], launcherJoin: [], create: [], unshareFlags: 0, ...(user ? { user } : {}) } }) as unknown as ContainerPlan;
  const none = plan();
  t.equal(withJoinedUserNamespaceMaps(none, read), none, 'no user namespace: the plan as it is');
  const fresh = plan({ uidMap, gidMap });
  t.equal(withJoinedUserNamespaceMaps(fresh, read), fresh, 'a new one: the plan as it is');
  t.same(withJoinedUserNamespaceMaps(plan({ path: '/p', uidMap: [], gidMap: [] }), read).namespaces.user, { path: '/p', uidMap, gidMap });
});
