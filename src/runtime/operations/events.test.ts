// events: Go durations, Go-style JSON encoding, and the event lines.
import t from 'tap';

import { emptyStats } from '../../cgroups/stats.js';
import { encodeJson, eventLine, parseGoDuration, statsEventData } from './events.js';

t.test('Go durations', async (t) => {
  t.equal(parseGoDuration('5s'), 5000);
  t.equal(parseGoDuration('200ms'), 200);
  t.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
  t.equal(parseGoDuration('1.5us'), 0.0015);
  t.equal(parseGoDuration('10µs'), 0.01);
  t.equal(parseGoDuration('.5s'), 500);
  t.equal(parseGoDuration('0'), 0);
  t.equal(parseGoDuration('-1s'), -1000);
  t.equal(parseGoDuration('+2m'), 120_000);
  for (const bad of ['', '5', 'abc', 's', '.s', '1x', '1s2', '--1s', '1 s']) t.equal(parseGoDuration(bad), undefined, bad);
});

t.test('JSON like Go: bigints exact, undefined members left out, HTML characters escaped', async (t) => {
  t.equal(encodeJson({ a: 18446744073709551615n, b: undefined, c: [1n, 'x'], d: null, e: {} }), '{"a":18446744073709551615,"c":[1,"x"],"d":null,"e":{}}');
  t.equal(encodeJson('<a&b>\u2028'), '"\\u003ca\\u0026b\\u003e\\u2028"');
});

t.test('event lines', async (t) => {
  t.equal(eventLine('oom', 'c1'), '{"type":"oom","id":"c1"}\n', 'an oom event has no data');
  t.equal(
    eventLine('stats', 'c1', statsEventData(emptyStats())),
    '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},' +
      '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,' +
      '"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},' +
      '"kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n',
    'nothing read: structs stay, zero fields go',
  );
});
