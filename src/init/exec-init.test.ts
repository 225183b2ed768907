// The exec init's steps, in order, against FakeSys. The namespace slots are real fds (of
// our own namespaces), which the init closes once joined.
import t from 'tap';
import { fstatSync, openSync } from 'node:fs';
import { CLONE_FS, CLONE_NEWNET, CLONE_NEWNS } from '../../ffi/constants.js';
import { SyscallError } from '../errors.js';
import { ProtocolError, toWire } from '../protocol.js';
import { ExecveCalled, FakeSys } from '../../test/fakes/fake.js';
import { FakeInitLink } from '../../test/fakes/init-link.js';
import { processPlan } from '../../test/fakes/plans.js';
import type { Process } from '../generated/config.js';
import type { ExecInitConfig } from './exec-config.js';
import { compileSeccompFilter } from '../process/seccomp.js';
import { runExecInit } from './exec-init.js';

function execConfig(proc: Partial<Process> = {}, over: Partial<ExecInitConfig> = {}): ExecInitConfig {
  return {
    id: 'c1',
    process: processPlan({
      args: ['/bin/sh', '-c', 'true'],
      user: { uid: 1000, gid: 1000, additionalGids: [5] },
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
      ...proc,
    }),
    namespaces: ['network', 'mount'],
    preserveFds: 0,
    chownStdio: false,
    joinKeyring: true,
    debug: false,
    seccomp: compileSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }),
    ...over,
  };
}

/** Runs the exec init to its execve (or its failure), with fresh namespace fds in its slots. */
function run(config: ExecInitConfig, sys = new FakeSys(), extraSlots = '') {
  const fds = { network: openSync('/proc/self/ns/net', 'r'), mount: openSync('/proc/self/ns/mnt', 'r') };
  const slots = [`ns:network=${fds.network}`, `ns:mount=${fds.mount}`, extraSlots].filter(Boolean).join(',');
  const link = new FakeInitLink(sys);
  let err: unknown;
  try {
    runExecInit(sys, link, config, { argv: ['node', 'exec-init', slots], ignoredSignals: [13] });
  } catch (e) {
    err = e;
  }
  const steps = link.timeline().filter((x) => !x.startsWith('prctl PR_CAPBSET_DROP') && x !== 'fchown');
  return { sys, link, err, steps, fds };
}

const closed = (fd: number) => {
  try {
    fstatSync(fd);
    return false;
  } catch {
    return true;
  }
};

t.test('the exec init joins, sets the process up and execs, seccomp before the credentials without no_new_privs', async (t) => {
  const { sys, link, err, steps, fds } = run(execConfig(), new FakeSys(), 'pidsJoin=9');
  t.type(err, ExecveCalled);
  t.same([(err as ExecveCalled).path, (err as ExecveCalled).argv], ['/bin/sh', ['/bin/sh', '-c', 'true']]);
  t.same(steps, [
    'setns', // network
    'unshare', // an fs_struct of our own, for the mount namespace
    'setns', // mount, last
    'joinSessionKeyring',
    'joinCgroup', // the pids cgroup, once Node's threads are about to end
    'umask',
    'setCloexec', 'setCloexec', 'setCloexec',
    'cloexecFrom',
    'loadSeccomp',
    'chdir',
    'getcwd',
    'capget',
    'prctl PR_SET_KEEPCAPS',
    'setgroups',
    'setresgid',
    'setresuid',
    'prctl PR_SET_KEEPCAPS',
    'capset',
    'prctl PR_CAP_AMBIENT_CLEAR_ALL',
    'resetSignals',
    'send ready',
    'execve',
  ]);
  t.same(sys.of('setns'), [[fds.network, CLONE_NEWNET, 'network namespace of the container'], [fds.mount, CLONE_NEWNS, 'mount namespace of the container']]);
  t.same(sys.of('unshare'), [[CLONE_FS]]);
  t.ok(closed(fds.network) && closed(fds.mount), 'the namespace fds are closed once joined');
  t.same(sys.of('joinSessionKeyring'), [['_ses.c1']]);
  t.same(sys.of('joinCgroup'), [[9, 'the pids cgroup']]);
  t.same(sys.of('fchown'), [], "the caller's own stdio keeps its owner");
  t.same(sys.of('resetSignals'), [[[13]]]);
  t.same(link.sent('ready').length, 1);
});

t.test('with no_new_privs the filter is loaded last, after the credentials', async (t) => {
  const { sys, steps } = run(execConfig({ noNewPrivileges: true }));
  t.same(sys.of('loadSeccomp').length, 1);
  t.ok(steps.indexOf('prctl PR_SET_NO_NEW_PRIVS') < steps.indexOf('cloexecFrom'), 'no_new_privs before the fd sweep');
  t.same(steps.slice(steps.indexOf('capset')), ['capset', 'prctl PR_CAP_AMBIENT_CLEAR_ALL', 'loadSeccomp', 'resetSignals', 'send ready', 'execve']);
});

t.test('without a mount namespace of its own: chroot into the container root after the joins', async (t) => {
  const { sys, steps } = run(execConfig({}, { namespaces: ['network'], root: '/proc/1/root', seccomp: undefined }));
  t.same(steps.slice(0, 4), ['setns', 'chroot', 'chdir', 'joinSessionKeyring']);
  t.same(sys.of('chroot'), [['/proc/1/root']]);
  t.same(sys.of('loadSeccomp'), [], 'no profile, no filter');
});

t.test('a failing step stops everything after it, and the error names the step', async (t) => {
  const { sys, link, err, steps } = run(execConfig(), new FakeSys().failOn('setns', 'EPERM', (a) => a[1] === CLONE_NEWNS));
  t.type(err, SyscallError);
  t.match((err as Error).message, /^setns mount namespace of the container: EPERM/);
  t.equal(toWire(err).step, 'join mount namespace');
  t.equal(steps.at(-1), 'setns', 'nothing after the failed call');
  t.same(sys.of('setresuid'), []);
  t.same(sys.of('execve'), []);
  t.same(link.sent('ready'), []);

  const creds = run(execConfig(), new FakeSys().failOn('setresuid', 'EPERM'));
  t.equal(toWire(creds.err).step, 'drop privileges');
  t.same(creds.sys.of('capset'), []);
  t.same(creds.sys.of('execve'), []);
});

t.test('a namespace the runtime gave no fd for is a protocol error', async (t) => {
  const sys = new FakeSys();
  const link = new FakeInitLink(sys);
  t.throws(() => runExecInit(sys, link, execConfig({}, { namespaces: ['ipc'] }), { argv: ['node', 'exec-init', ''], ignoredSignals: [] }),
    new ProtocolError('the runtime gave no fd for ns:ipc'));
  t.same(sys.calls.map((c) => c.name), [], 'nothing done');
});
