import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSubordinateIds, readSubordinateIds } from './subordinate-ids.js';

const FILE = [
  '# comment: alice:1:1',
  'alice:100000:65536',
  'bob:165536:65536',
  '1000:300000:10',
  'alice:400000:5',
  'alice:oops:5',
  'alice:1:2:3',
  '',
].join('\n');

t.test('the lines of the user, by name or by uid, in file order; malformed lines and comments are passed over', async (t) => {
  t.same(parseSubordinateIds(FILE, { name: 'alice', uid: 1000 }), [
    { start: 100000, count: 65536 }, { start: 300000, count: 10 }, { start: 400000, count: 5 },
  ]);
  t.same(parseSubordinateIds(FILE, { name: 'bob', uid: 1001 }), [{ start: 165536, count: 65536 }]);
  t.same(parseSubordinateIds(FILE, { uid: 1000 }), [{ start: 300000, count: 10 }], 'a user without a name: by number only');
  t.same(parseSubordinateIds(FILE, { name: 'carol', uid: 1002 }), []);
});

t.test('a missing file grants nothing; an unreadable one is an error naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-subids-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(readSubordinateIds(join(dir, 'subuid'), { name: 'alice', uid: 1000 }), []);
  writeFileSync(join(dir, 'subuid'), FILE);
  t.same(readSubordinateIds(join(dir, 'subuid'), { name: 'bob', uid: 1 }), [{ start: 165536, count: 65536 }]);
  t.throws(() => readSubordinateIds(dir, { uid: 1 }), { message: `read ${dir}: EISDIR (is a directory)` });
});
