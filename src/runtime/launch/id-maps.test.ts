import t from 'tap';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyscallError } from '../../errors.js';
import { formatIdMap, hostIdOf, writeIdMaps } from './id-maps.js';

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
