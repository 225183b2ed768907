import t from 'tap';
import { RuntimeError } from '../../errors.js';
import { nestedUserNamespaceLaunch } from './nested-userns.js';

const UNSHARE_PID = ['/usr/bin/unshare', '--pid', '--fork', '--kill-child=SIGKILL', '--'];

t.test('a new PID namespace is made by a forking unshare, an existing one entered by a forking nsenter', async (t) => {
  t.same(nestedUserNamespaceLaunch({ new: true }, undefined), { launcher: UNSHARE_PID, forked: true, oomScoreAdjSet: false });
  t.same(nestedUserNamespaceLaunch({ path: '/proc/self/fd/7' }, undefined),
    { launcher: ['/usr/bin/nsenter', '--pid=/proc/self/fd/7', '--'], forked: true, oomScoreAdjSet: false });
  t.same(nestedUserNamespaceLaunch(undefined, undefined), { launcher: [], forked: false, oomScoreAdjSet: false }, 'ours: spawned as usual');
  t.throws(() => nestedUserNamespaceLaunch({ fd: 7 }, undefined), RuntimeError, 'an fd of ours is no path for the child');
});

t.test('oom_score_adj is set by choom, before any PID namespace is made or entered', async (t) => {
  t.same(nestedUserNamespaceLaunch({ new: true }, -5),
    { launcher: ['/usr/bin/choom', '-n', '-5', '--', ...UNSHARE_PID], forked: true, oomScoreAdjSet: true });
  t.same(nestedUserNamespaceLaunch(undefined, 100), { launcher: ['/usr/bin/choom', '-n', '100', '--'], forked: false, oomScoreAdjSet: true });
});
