import t from 'tap';
import { initLauncher, LAUNCHER_REAL_GID } from './launcher.js';

const program = (name: string) => `/usr/bin/${name}`;

t.test('no user namespace and nothing a threaded process cannot join: the runtime spawns the init itself', async (t) => {
  t.equal(initLauncher({ join: [], newPidNamespace: false }, program), undefined);
});

t.test('a new or joined user namespace: nsenter enters it, and with a new PID namespace forks the init from inside it', async (t) => {
  t.same(initLauncher({ user: '/proc/9/ns/user', join: [], newPidNamespace: false }, program), ['/usr/bin/nsenter', '--user=/proc/9/ns/user', '--']);
  t.same(initLauncher({ user: '/proc/9/ns/user', join: [], newPidNamespace: true }, program), [
    '/usr/bin/nsenter', '--user=/proc/9/ns/user', '--', '/usr/bin/unshare', '--pid', '--fork', '--kill-child=SIGKILL', '--',
  ]);
});

t.test('the other namespaces by path are nsenter options beside the user namespace, in join order', async (t) => {
  t.same(initLauncher({
    user: '/proc/9/ns/user',
    join: [{ type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'cgroup', path: '/c' }, { type: 'time', path: '/t' }],
    newPidNamespace: false,
  }, program), ['/usr/bin/nsenter', '--ipc=/proc/9/ns/ipc', '--net=/proc/9/ns/net', '--cgroup=/c', '--time=/t', '--user=/proc/9/ns/user', '--']);
});

t.test('a time namespace without a user namespace: nsenter after setpriv gives the init a real gid other than its effective one', async (t) => {
  t.same(initLauncher({ join: [{ type: 'time', path: '/proc/9/ns/time' }], newPidNamespace: false }, program), [
    '/usr/bin/setpriv', `--rgid=${LAUNCHER_REAL_GID}`, '--keep-groups', '--', '/usr/bin/nsenter', '--time=/proc/9/ns/time', '--',
  ]);
  t.not(LAUNCHER_REAL_GID, 0);
});

t.test('not root: nsenter keeps the caller\'s ids (setgroups is denied), and joins a PID namespace by forking', async (t) => {
  t.same(initLauncher({ user: '/proc/9/ns/user', join: [], newPidNamespace: false, rootless: true }, program),
    ['/usr/bin/nsenter', '--user=/proc/9/ns/user', '--preserve-credentials', '--']);
  t.same(initLauncher({ user: '/proc/self/fd/5', join: [{ type: 'pid', path: '/proc/self/fd/6' }], newPidNamespace: false, rootless: true }, program),
    ['/usr/bin/nsenter', '--pid=/proc/self/fd/6', '--user=/proc/self/fd/5', '--preserve-credentials', '--']);
});
