import t from 'tap';
import { CAP_LAST_CAP } from '../linux/capabilities.js';
import { ConfigError } from '../config/errors.js';
import { planExec } from './exec.js';

/** The container's config as create saved it. */
const container = (namespaces: { type: 'mount' | 'pid' | 'uts' }[], seccomp?: { defaultAction: 'SCMP_ACT_ALLOW' }) =>
  ({ ociVersion: '1.3.0', process: { cwd: '/' }, linux: { namespaces, ...(seccomp ? { seccomp } : {}) } });

t.test('the process is planned as the container process is; the container gives seccomp and the namespaces', async (t) => {
  const c = container([{ type: 'pid' }, { type: 'mount' }], { defaultAction: 'SCMP_ACT_ALLOW' });
  const plan = planExec({
    cwd: '/srv', args: ['ls'], env: ['X=1', 'X=2'], user: { uid: 7, gid: 8 },
    capabilities: { effective: ['CAP_KILL', 'CAP_NOPE'] }, rlimits: [{ type: 'RLIMIT_NPROC', soft: 3, hard: 4 }],
  }, c, { lastCap: CAP_LAST_CAP });
  t.same(plan.process.env, ['X=2']);
  t.same([plan.process.uid, plan.process.gid, plan.process.cwd, plan.process.args], [7, 8, '/srv', ['ls']]);
  t.same(plan.process.capabilities.effective, [5]);
  t.same(plan.process.capabilities.unknown, ['CAP_NOPE']);
  t.same(plan.process.rlimits, [{ type: 'RLIMIT_NPROC', resource: 6, soft: 3, hard: 4 }]);
  t.same(plan.seccomp, { defaultAction: 'SCMP_ACT_ALLOW' });
  t.same(plan.joinOrder, ['ipc', 'uts', 'network', 'cgroup', 'mount'], 'mount last, never time');
  t.equal(plan.mountNamespace, true);

  const hostMounts = planExec({ cwd: '/' }, container([{ type: 'uts' }]), { lastCap: CAP_LAST_CAP });
  t.equal(hostMounts.mountNamespace, false, 'chrooted in the host mount namespace');
  t.equal(hostMounts.seccomp, undefined);
});

t.test('errors point into the process document', async (t) => {
  const err = t.throws(() => planExec({ cwd: '/', env: ['=v'], rlimits: [{ type: 'RLIMIT_NOPE', soft: 0, hard: 0 }] },
    container([]), { lastCap: CAP_LAST_CAP })) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.same(err.issues.map((i) => `${i.pointer}: ${i.message}`), [
    '/env/0: invalid environment variable: name cannot be empty',
    '/rlimits/0/type: unknown rlimit type "RLIMIT_NOPE"',
  ]);
  t.match(err.message, /^invalid process: \/env\/0: /);
});
