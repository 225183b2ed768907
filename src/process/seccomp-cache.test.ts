import t from 'tap';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinuxSeccomp } from '../generated/config.js';
import { libseccomp, type Libseccomp } from '../../ffi/seccomp.js';
import { SECCOMP_CACHE_DIR, cachedSeccompFilter } from './seccomp-cache.js';
import { compileSeccompFilter } from './seccomp.js';

const PROFILE: LinuxSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }] };

/** libseccomp that counts the filters it builds. */
function counting(): { lib: Libseccomp; builds: () => number } {
  let n = 0;
  return { lib: { ...libseccomp, init: (a) => { n++; return libseccomp.init(a); } }, builds: () => n };
}

t.test('a profile is compiled once per root, then read from its cache', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ocirt-seccomp-cache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const { lib, builds } = counting();
  const first = cachedSeccompFilter(root, PROFILE, '1.0.0', { lib });
  t.same(first, compileSeccompFilter(PROFILE), 'the program libseccomp exports');
  t.equal(builds(), 1);
  t.same(cachedSeccompFilter(root, PROFILE, '1.0.0', { lib }), first, 'the same program again');
  t.equal(builds(), 1, 'not compiled again');
  const files = readdirSync(join(root, SECCOMP_CACHE_DIR));
  t.equal(files.length, 1, 'one entry');
  t.match(files[0], /^[0-9a-f]{64}\.json$/);

  cachedSeccompFilter(root, { ...PROFILE, defaultAction: 'SCMP_ACT_KILL' }, '1.0.0', { lib });
  t.equal(builds(), 2, 'another profile is compiled');
  cachedSeccompFilter(root, PROFILE, '1.0.1', { lib });
  t.equal(builds(), 3, 'another ocirt version compiles again');
});

t.test('an entry whose key is not what is asked for is never used', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ocirt-seccomp-cache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const { lib, builds } = counting();
  const good = cachedSeccompFilter(root, PROFILE, '1.0.0', { lib });
  const [name] = readdirSync(join(root, SECCOMP_CACHE_DIR));
  const file = join(root, SECCOMP_CACHE_DIR, name!);
  // As if another profile had collided on the name: an allow-all program under it.
  const entry = JSON.parse(readFileSync(file, 'utf8')) as { key: string };
  const allowAll = compileSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW' });
  writeFileSync(file, JSON.stringify({ ...allowAll, key: entry.key.replace('SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOW') }));
  t.same(cachedSeccompFilter(root, PROFILE, '1.0.0', { lib }), good, 'compiled again, not the entry');
  t.equal(builds(), 2);
  writeFileSync(file, 'not json');
  t.same(cachedSeccompFilter(root, PROFILE, '1.0.0', { lib }), good, 'an unreadable entry is compiled again');
});

t.test('a root that cannot hold the cache still gets its filter', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ocirt-seccomp-cache-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, SECCOMP_CACHE_DIR), 'a file where the directory would be');
  chmodSync(root, 0o500);
  const notes: string[] = [];
  t.same(cachedSeccompFilter(root, PROFILE, '1.0.0', { debug: (m) => notes.push(m) }), compileSeccompFilter(PROFILE));
  t.match(notes.join('\n'), /seccomp filter not cached/);
});
