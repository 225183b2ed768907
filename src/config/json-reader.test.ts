import t from 'tap';
import { ConfigError } from './errors.js';
import { MAX_JSON_DEPTH, isRlimitValue, readJson } from './json-reader.js';

const fails = (text: string, options = {}): string => {
  try {
    readJson(text, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
  throw new Error(`${text.slice(0, 60)} was accepted`);
};

t.test('reads what JSON.parse reads', async (t) => {
  const text = '{"a": [1, -2.5, 1e3, "x\\"y", {"b": null, "c": [true, false]}], "d\\u002fe": {}, "n": 9007199254740991}';
  t.same(readJson(text), JSON.parse(text));
  t.equal(readJson('-9007199254740991'), -9007199254740991);
  t.equal(readJson('0.000000000000000001'), 1e-18, 'long fractions are fine: they are not integers');
});

t.test('syntax errors say where', async (t) => {
  t.match(fails('{\n  "a": ]', { document: 'x.json' }), /^invalid x\.json: JSON syntax error at line 2, column 9: /);
  t.match(fails('{"a": 1'), /^invalid config\.json: JSON syntax error at line 1, column 8: /);
});

t.test('integers beyond 2^53-1 are refused with their pointer, not rounded', async (t) => {
  t.equal(
    fails('{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 9007199254740993}]}}'),
    'invalid config.json: /process/rlimits/0/hard: 9007199254740993 cannot be used: integers beyond ±9007199254740991 (2^53-1) ' +
      'are not held exactly (only 18446744073709551615, unlimited, is accepted, for rlimits)',
  );
  t.match(fails('{"linux": {"resources": {"memory": {"limit": 9223372036854775808}}}}'), /^invalid config\.json: \/linux\/resources\/memory\/limit: 9223372036854775808 cannot be used/);
  t.match(fails('{"a": [0, 1, -9007199254740992]}'), /\/a\/2: -9007199254740992 cannot be used/);
  t.match(fails('{"a~b/c": 1e300}'), /\/a~0b~1c: 1e300 cannot be used/, 'exponent form, escaped pointer');
  t.match(fails('{"a": 1e400}'), /\/a: 1e400 cannot be used/, 'beyond the double range');
  t.match(fails('{"a": 9007199254740993.0}'), /\/a: 9007199254740993\.0 cannot be used/);
  // Every one is reported, in document order.
  const m = fails('{"x": 18446744073709551616, "y": {"z": 18446744073709551615}}');
  t.match(m, /\/x: 18446744073709551616 cannot be used[^\n]*\n\/y\/z: 18446744073709551615 cannot be used/);
});

t.test('18446744073709551615 is accepted where the caller says it means unlimited', async (t) => {
  const text = '{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 18446744073709551615, "hard": 18446744073709551615}]}}';
  const doc = readJson(text, { acceptsUint64Max: isRlimitValue }) as { process: { rlimits: { hard: number }[] } };
  t.equal(doc.process.rlimits[0]!.hard, 2 ** 64, 'read as 2^64, which setrlimit takes as RLIM_INFINITY');
  t.match(fails(text), /\/process\/rlimits\/0\/soft: 18446744073709551615 cannot be used/, 'not without the caller');
  t.match(fails('{"process": {"rlimits": [{"soft": 18446744073709551616}]}}', { acceptsUint64Max: isRlimitValue }), /18446744073709551616 cannot be used/);
  t.match(fails('{"process": {"rlimits": [{"soft": 1.8446744073709551615e19}]}}', { acceptsUint64Max: isRlimitValue }), /cannot be used/, 'only that spelling');
  t.match(fails('{"linux": {"resources": {"cpu": {"shares": 18446744073709551615}}}}', { acceptsUint64Max: isRlimitValue }), /\/linux\/resources\/cpu\/shares:/);
  t.ok(isRlimitValue('/rlimits/3/soft'), 'a process document');
  t.notOk(isRlimitValue('/process/rlimits/3/type'));
});

t.test('nesting deeper than the limit is refused with the pointer of the first level too many', async (t) => {
  const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
  t.doesNotThrow(() => readJson(ok));
  const deep = `{"ociVersion": "1.0.0", "x-ext": ${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`;
  const m = fails(deep);
  t.match(m, /^invalid config\.json: \/x-ext(\/a){99}: is nested more than 100 levels deep$/);
  t.match(fails('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)), /^invalid config\.json: (\/0){100}: is nested more than 100 levels deep$/);
});

t.test('a config-sized document is read in linear time', async (t) => {
  const syscalls = Array.from({ length: 2000 }, (_, i) => ({ names: [`sys${i}`, 'read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] }));
  const text = JSON.stringify({ linux: { seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls } } });
  // Best of several runs; the bound is loose (a few ms are typical) so that a busy machine does not fail
  // it, but a scan that went quadratic on 240 KB would take seconds.
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    readJson(text);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  t.ok(text.length > 200_000, `${text.length} bytes`);
  t.ok(best < 500, `read in ${best.toFixed(1)} ms`);
});
