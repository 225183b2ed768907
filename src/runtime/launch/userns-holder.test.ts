import t from 'tap';
import { RuntimeError } from '../../errors.js';
import { rootlessJoinLauncher, userNamespaceLauncher, utilLinuxProgram } from './userns-holder.js';

t.test('util-linux programs are found in fixed directories, never through PATH', async (t) => {
  t.equal(utilLinuxProgram('nsenter', ['/nonexistent', '/usr/bin']), '/usr/bin/nsenter');
  t.throws(() => utilLinuxProgram('unshare', ['/nonexistent', '/also-not']),
    new RuntimeError("user namespaces need util-linux's unshare: not found in /nonexistent or /also-not"));
});

t.test('the launcher enters the user namespace, and with a new PID namespace forks the init from inside it', async (t) => {
  t.same(userNamespaceLauncher('/proc/9/ns/user', false), ['/usr/bin/nsenter', '--user=/proc/9/ns/user', '--']);
  t.same(userNamespaceLauncher('/proc/9/ns/user', true), [
    '/usr/bin/nsenter', '--user=/proc/9/ns/user', '--', '/usr/bin/unshare', '--pid', '--fork', '--kill-child=SIGKILL', '--',
  ]);
});

t.test('not root: nsenter keeps the caller\'s ids (setgroups is denied), and joins a PID namespace by forking', async (t) => {
  t.same(userNamespaceLauncher('/proc/9/ns/user', false, true), ['/usr/bin/nsenter', '--user=/proc/9/ns/user', '--preserve-credentials', '--']);
  t.same(userNamespaceLauncher('/proc/9/ns/user', false, false), ['/usr/bin/nsenter', '--user=/proc/9/ns/user', '--']);
  t.same(rootlessJoinLauncher('/proc/self/fd/5', '/proc/self/fd/6'),
    ['/usr/bin/nsenter', '--user=/proc/self/fd/5', '--pid=/proc/self/fd/6', '--preserve-credentials', '--']);
});
