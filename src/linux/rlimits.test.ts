import t from 'tap';
import { readFileSync } from 'node:fs';
import { RLIMITS, rlimitName, rlimitResource } from './rlimits.js';

const HEADER = '/usr/include/asm-generic/resource.h';

t.test('table matches asm-generic/resource.h', async (t) => {
  const fromHeader = new Map<string, number>();
  for (const m of readFileSync(HEADER, 'utf8').matchAll(/^#\s*define\s+(RLIMIT_[A-Z]+)\s+(\d+)/gm)) {
    fromHeader.set(m[1] as string, Number(m[2]));
  }
  t.equal(fromHeader.size, 16, 'header parsed');
  for (const [name, n] of fromHeader) t.equal(rlimitResource(name), n, name);
  t.equal(Object.keys(RLIMITS).length, fromHeader.size, 'nothing extra');
});

t.test('lookups', async (t) => {
  t.equal(rlimitResource('RLIMIT_CPU'), 0);
  t.equal(rlimitResource('RLIMIT_NOFILE'), 7);
  t.equal(rlimitResource('RLIMIT_NPROC'), 6);
  t.equal(rlimitResource('RLIMIT_CORE'), 4);
  t.equal(rlimitResource('RLIMIT_RTTIME'), 15);
  const numbers = Object.values(RLIMITS).sort((a, b) => a - b);
  t.same(numbers, Array.from({ length: 16 }, (_, i) => i), 'resources 0..15, each once');
  for (const [name, n] of Object.entries(RLIMITS)) t.equal(rlimitName(n), name, `name of ${n}`);
  t.equal(rlimitName(16), undefined);
  t.equal(rlimitName(-1), undefined);
});

t.test('unknown types', async (t) => {
  for (const s of ['RLIMIT_FOO', 'rlimit_nofile', 'NOFILE', '', 'toString', '__proto__', 'RLIMIT_NOFILE ']) {
    t.throws(() => rlimitResource(s), { message: `unknown rlimit type ${JSON.stringify(s)}` }, JSON.stringify(s));
  }
});
