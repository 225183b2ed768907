import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerEnv, dedupEnv, homeOf } from './env.js';

t.test('dedupEnv keeps the last value of each name, where it stands', async (t) => {
  t.same(dedupEnv(['A=1', 'B=2', 'A=3', 'C=']).env, ['B=2', 'A=3', 'C=']);
  t.same(dedupEnv(undefined), { env: [], hasHome: false });
  t.equal(dedupEnv(['HOME=/x']).hasHome, true);
  t.same(dedupEnv(['X=a=b']).env, ['X=a=b'], 'only the first = splits');
});

t.test('dedupEnv rejects what runc rejects', async (t) => {
  t.throws(() => dedupEnv(['NOEQUALS']), { message: "invalid environment variable: missing '='" });
  t.throws(() => dedupEnv(['=v']), { message: 'invalid environment variable: name cannot be empty' });
  t.throws(() => dedupEnv(['K=a\0b']), { message: 'invalid environment variable "K": contains nul byte (\\x00)' });
});

t.test('containerEnv adds HOME from passwd, or / when unknown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-env-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n');
  t.same(containerEnv(['PATH=/bin'], 1000, passwd), ['PATH=/bin', 'HOME=/home/bob']);
  t.same(containerEnv(['PATH=/bin'], 0, passwd), ['PATH=/bin', 'HOME=/root']);
  t.same(containerEnv(['PATH=/bin'], 4242, passwd), ['PATH=/bin', 'HOME=/']);
  t.same(containerEnv(['HOME=/mine'], 1000, passwd), ['HOME=/mine'], 'an explicit HOME stays');
  t.equal(homeOf(0, join(dir, 'nope')), '/', 'no passwd file');
});
