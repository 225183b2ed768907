import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import { SyscallError } from '../../errors.js';
import type { ContainerPlan, UserNamespacePlan } from '../../plan/types.js';
import {
  formatIdMap, hostIdOf, joinedUserNamespace, parseIdMap, readUserNamespaceMaps, sameIdMap, withJoinedUserNamespaceMaps, writeIdMaps,
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
  writeIdMaps(42, { uidMap, gidMap }, proc);
  t.equal(readFileSync(join(proc, '42/uid_map'), 'utf8'), '0 100000 1000\n1000 5000 1\n');
  t.equal(readFileSync(join(proc, '42/setgroups'), 'utf8'), 'allow');
  t.equal(readFileSync(join(proc, '42/gid_map'), 'utf8'), '0 200000 65536\n');
  const err = t.throws(() => writeIdMaps(43, { uidMap, gidMap }, proc)) as unknown as SyscallError;
  t.ok(err instanceof SyscallError);
  t.equal(err.message, `write the user namespace's uid_map: write ${proc}/43/uid_map: ENOENT (no such file or directory)`);
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
