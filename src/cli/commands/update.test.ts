import t from 'tap';

import { checkLinuxResources } from '../../config/validate.js';
import { mergeResources } from '../../runtime/operations/update.js';
import { parseRamSize, resourcesFromFlags } from './update.js';

t.test('sizes as runc reads them (binary units)', async (t) => {
  t.equal(parseRamSize('100'), 100);
  t.equal(parseRamSize('1g'), 2 ** 30);
  t.equal(parseRamSize('512m'), 512 * 2 ** 20);
  t.equal(parseRamSize('1.5G'), 1.5 * 2 ** 30);
  t.equal(parseRamSize('100KiB'), 102400);
  t.equal(parseRamSize('1gb'), 2 ** 30);
  t.equal(parseRamSize('10 k'), 10240);
  for (const bad of ['1x', '-1', 'g', '', '1.g']) t.throws(() => parseRamSize(bad), { message: `invalid size: '${bad}'` });
  t.equal(parseRamSize('7p'), 7 * 2 ** 50, 'below 2^53 bytes');
  t.throws(() => parseRamSize('8p'), { message: "invalid size: '8p' is more than 9007199254740991 bytes" });
  t.throws(() => parseRamSize('99999999999999999'), { message: "invalid size: '99999999999999999' is more than 9007199254740991 bytes" });
});

t.test('flags become a request with only the given fields', async (t) => {
  t.same(resourcesFromFlags({ _: [] }), {});
  t.same(
    resourcesFromFlags({
      _: [], memory: '1g', 'memory-swap': '-1', 'memory-reservation': '512m', 'cpu-share': '512', 'cpu-quota': '-1', 'cpu-period': '100000',
      'cpu-burst': '10', 'cpu-rt-runtime': '5', 'cpu-rt-period': '1000', 'cpuset-cpus': '0', 'cpuset-mems': '0', 'pids-limit': '20', 'blkio-weight': '300',
      'kernel-memory': '1m',
    }),
    {
      blockIO: { weight: 300 },
      pids: { limit: 20 },
      memory: { limit: 2 ** 30, swap: -1, kernel: 2 ** 20, reservation: 512 * 2 ** 20 },
      cpu: { cpus: '0', mems: '0', period: 100000, realtimePeriod: 1000, shares: 512, burst: 10, quota: -1, realtimeRuntime: 5 },
    },
  );
  t.same(resourcesFromFlags({ _: [], 'pids-limit': '0', 'blkio-weight': '0' }), {}, '0 means unchanged');
  t.throws(() => resourcesFromFlags({ _: [], memory: '1x' }), { message: "invalid value for memory: invalid size: '1x'" });
  t.throws(() => resourcesFromFlags({ _: [], 'cpu-share': 'abc' }), { message: /invalid value for cpu-share/ });
  t.throws(() => resourcesFromFlags({ _: [], 'cpu-period': '-5' }), { message: /invalid value for cpu-period/ });
  t.throws(() => resourcesFromFlags({ _: [], 'pids-limit': 'abc' }), { message: 'invalid value "abc" for flag -pids-limit: parse error' });
});

t.test('a LinuxResources document is checked against the schema, pointers relative to it', async (t) => {
  t.same(checkLinuxResources({ memory: { limit: 1 }, cpu: { cpus: '0' } }), []);
  t.same(checkLinuxResources({ memory: { limit: 'x' } }), [{ pointer: '/memory/limit', message: 'must be an integer' }]);
  t.match(checkLinuxResources({ blockIO: { weight: 70000 } }), [{ pointer: '/blockIO/weight' }]);
  t.match(checkLinuxResources([]), [{ pointer: '' }]);
});

t.test('merging a request into the saved resources', async (t) => {
  const saved = { memory: { limit: 100, swap: 200 }, cpu: { quota: 1000, period: 5000, shares: 2 }, devices: [{ allow: false, access: 'rwm' }] };
  const { merged, ignored } = mergeResources(saved, {
    memory: { limit: 150, swappiness: 3 },
    cpu: { quota: 2000 },
    pids: { limit: 9 },
    blockIO: { weight: 10, leafWeight: 10 },
    unified: { 'a.b': '1' },
    hugepageLimits: [],
  });
  t.same(merged, {
    memory: { limit: 150, swap: 200 },
    cpu: { quota: 2000, period: 5000, shares: 2 },
    devices: [{ allow: false, access: 'rwm' }],
    pids: { limit: 9 },
    blockIO: { weight: 10 },
    unified: { 'a.b': '1' },
  });
  t.same(ignored.sort(), ['/blockIO/leafWeight', '/hugepageLimits', '/memory/swappiness']);
  t.same(saved.memory, { limit: 100, swap: 200 }, 'the saved document is not changed');
});
