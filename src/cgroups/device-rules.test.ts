import t from 'tap';

import { DeviceState, deviceRulesFor, ruleText } from './device-rules.js';
import { blkioWeightToIoWeight, cpuSharesToWeight, memorySwapToV2, v2Number } from './resource-values.js';

t.test('runc\'s default rules follow the config\'s, minus paths the config creates', async (t) => {
  const rules = deviceRulesFor([{ allow: false, access: 'rwm' }], [{ path: '/dev/zero' }]);
  t.same(rules.map((r) => `${r.allow ? 'allow' : 'deny'} ${ruleText(r)}`), [
    'deny a *:* rwm', 'allow c *:* m', 'allow b *:* m', 'allow c 1:3 rwm', 'allow c 1:8 rwm', 'allow c 1:7 rwm', 'allow c 5:0 rwm',
    'allow c 1:9 rwm', 'allow c 136:* rwm', 'allow c 5:2 rwm', 'allow c 10:200 rwm',
  ]);
});

t.test('the device model: resets, merged and removed access, list parsing', async (t) => {
  const s = DeviceState.fromRules([
    { allow: true, type: 'a', major: -1, minor: -1, access: 'rwm' },
    { allow: false, type: 'c', major: 1, minor: 1, access: 'r' },
    { allow: false, type: 'c', major: 1, minor: 1, access: 'w' },
    { allow: true, type: 'c', major: 1, minor: 1, access: 'r' },
  ]);
  t.equal(s.defaultAllow, true);
  t.same(s.exceptionTexts(), ['c 1:1 w']);
  const w = DeviceState.fromRules([{ allow: true, type: 'b', major: 8, minor: -1, access: 'mr' }]);
  t.equal(w.defaultAllow, false, 'a list without an `a` rule is a whitelist');
  t.same(w.exceptionTexts(), ['b 8:* rm']);
  t.ok(DeviceState.fromList('b 8:* rm\n').sameAs(w));
  t.notOk(DeviceState.fromList('b 8:* r\n').sameAs(w));
  t.ok(DeviceState.fromList('a *:* rwm\n').defaultAllow);
});

t.test('runc\'s conversions', async (t) => {
  t.equal(cpuSharesToWeight(0), 0);
  t.equal(cpuSharesToWeight(2), 1);
  t.equal(cpuSharesToWeight(1024), 39);
  t.equal(cpuSharesToWeight(262144), 10000);
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(1000), 10000);
  t.equal(memorySwapToV2(0, -1), -1);
  t.equal(memorySwapToV2(-1, 100), -1);
  t.equal(memorySwapToV2(300, 100), 200);
  t.equal(v2Number(0), undefined);
  t.equal(v2Number(-1), 'max');
  t.equal(v2Number(5), '5');
});
