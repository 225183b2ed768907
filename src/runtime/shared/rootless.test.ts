import t from 'tap';
import { RuntimeError } from '../../errors.js';
import { isInitialUserNamespace, resolveRootless } from './rootless.js';

const INITIAL = '         0          0 4294967295\n';
const root = { euid: 0, uidMap: INITIAL };
const user = { euid: 1000, uidMap: INITIAL };
const rootInUserNs = { euid: 0, uidMap: '         0       1000          1\n' };

t.test('auto (or no flag): rootless when not root or in a user namespace, never with --systemd-cgroup', async (t) => {
  for (const value of [undefined, '', 'auto']) {
    t.equal(resolveRootless(value, false, root), false);
    t.equal(resolveRootless(value, false, user), true);
    t.equal(resolveRootless(value, false, rootInUserNs), true);
    t.equal(resolveRootless(value, true, user), false);
  }
});

t.test('true and false force it, in every spelling Go\'s ParseBool takes', async (t) => {
  for (const value of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
    t.equal(resolveRootless(value, false, root), true, value);
    t.equal(resolveRootless(value, true, root), true, `${value} with --systemd-cgroup`);
  }
  for (const value of ['0', 'f', 'F', 'FALSE', 'false', 'False']) t.equal(resolveRootless(value, false, user), false, value);
  t.throws(() => resolveRootless('yes', false, root), new RuntimeError('invalid value for --rootless: "yes" (expected true, false or auto)'));
});

t.test('the initial user namespace maps every id to itself', async (t) => {
  t.ok(isInitialUserNamespace(INITIAL));
  t.notOk(isInitialUserNamespace(rootInUserNs.uidMap));
  t.notOk(isInitialUserNamespace('0 0 1000\n'));
});
