import t from 'tap';
import { RuntimeError } from '../../errors.js';
import { defaultStateRoot, isInitialUserNamespace, resolveRootless, runningInUserNamespace } from './rootless.js';

const INITIAL = '         0          0 4294967295\n';
const root = { euid: 0, uidMap: INITIAL };
const user = { euid: 1000, uidMap: INITIAL };
const rootInUserNs = { euid: 0, uidMap: '         0       1000          1\n' };

t.test('auto (or no flag): rootless when not root, or root of a user namespace without --systemd-cgroup', async (t) => {
  for (const value of [undefined, '', 'auto']) {
    t.equal(resolveRootless(value, false, root), false);
    t.equal(resolveRootless(value, true, root), false);
    t.equal(resolveRootless(value, false, user), true);
    t.equal(resolveRootless(value, true, user), true, 'not root: rootless whatever the cgroup driver');
    t.equal(resolveRootless(value, false, rootInUserNs), true);
    t.equal(resolveRootless(value, true, rootInUserNs), false, 'root of a user namespace with --systemd-cgroup: taken as root');
  }
});

t.test('the default state dir: $XDG_RUNTIME_DIR/ocirt when not root, or root of a user namespace whose USER is not root', async (t) => {
  const xdg = { XDG_RUNTIME_DIR: '/run/user/1000' };
  t.equal(defaultStateRoot({ ...user, env: xdg }), '/run/user/1000/ocirt');
  t.equal(defaultStateRoot({ ...user, env: { ...xdg, USER: 'root' } }), '/run/user/1000/ocirt', 'not root: USER is not looked at');
  t.equal(defaultStateRoot({ ...user, env: {} }), '/run/ocirt', 'no XDG_RUNTIME_DIR');
  t.equal(defaultStateRoot({ ...user, env: { XDG_RUNTIME_DIR: '' } }), '/run/ocirt', 'an empty XDG_RUNTIME_DIR');
  t.equal(defaultStateRoot({ ...root, env: { XDG_RUNTIME_DIR: '/run/user/0', USER: 'alice' } }), '/run/ocirt', 'real root ignores it');
  t.equal(defaultStateRoot({ ...rootInUserNs, env: { ...xdg, USER: 'alice' } }), '/run/user/1000/ocirt', 'rootless Podman');
  t.equal(defaultStateRoot({ ...rootInUserNs, env: xdg }), '/run/user/1000/ocirt', 'no USER');
  t.equal(defaultStateRoot({ ...rootInUserNs, env: { ...xdg, USER: 'root' } }), '/run/ocirt', 'USER=root in a user namespace');
});

t.test('in a user namespace unless uid_map is the initial one\'s', async (t) => {
  t.notOk(runningInUserNamespace(root));
  t.ok(runningInUserNamespace(rootInUserNs));
  t.ok(runningInUserNamespace({ euid: 0, uidMap: '0 0 4294967294\n' }));
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
