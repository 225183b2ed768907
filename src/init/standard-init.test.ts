// The container init's steps, in order, against FakeSys: nothing is mounted or pivoted,
// so paths after pivot_root are the host's (read only: /proc, /dev/null, /bin/sh).
import t from 'tap';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLONE_NEWCGROUP, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS } from '../../ffi/constants.js';
import { SyscallError } from '../errors.js';
import { toWire } from '../protocol.js';
import type { ContainerPlan } from '../plan/types.js';
import { ExecveCalled, FakeSys } from '../../test/fakes/fake.js';
import { FakeInitLink } from '../../test/fakes/init-link.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';
import type { InitConfig } from './config.js';
import { runStandardInit } from './standard-init.js';
import { compileSeccompFilter } from '../process/seccomp.js';

const SECCOMP = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };

function rootfs(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-stdinit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function containerPlan(dir: string, over: { process?: SpecLiteral['process']; linux?: Record<string, unknown> } = {}): ContainerPlan {
  return planOf({
    hostname: 'box',
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }, { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }],
    process: {
      args: ['/bin/sh', '-c', 'true'],
      user: { uid: 1000, gid: 1000, additionalGids: [5] },
      capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
      ...over.process,
    },
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/proc/self/ns/net' }],
      maskedPaths: ['/proc/version', '/proc/sys/kernel'],
      readonlyPaths: ['/proc/sys'],
      seccomp: SECCOMP,
      ...over.linux,
    },
  }, { rootfs: dir });
}

/** The runtime's config for the init: the plan's seccomp profile compiled, as create does. */
function initConfig(plan: ContainerPlan): InitConfig {
  return {
    plan, noPivot: false, noNewKeyring: false, preserveFds: 0, listenFds: 0, cgroupPaths: {}, debug: false,
    ...(plan.seccomp ? { seccomp: compileSeccompFilter(plan.seccomp) } : {}),
  };
}

/** Runs the init to its execve (or its failure); `start` resolves at once and is marked in the timeline. */
async function run(config: InitConfig, sys = new FakeSys(), slots = '') {
  const link = new FakeInitLink(sys);
  const io = {
    argv: ['node', 'init', slots],
    ignoredSignals: [13],
    waitForStart: async () => link.mark('start'),
  };
  const err = await runStandardInit(sys, link, config, io).then(() => undefined, (e: unknown) => e);
  return { sys, link, err, timeline: link.timeline() };
}

/** Index of the first (last) entry of `timeline` that starts with `prefix` (-1 if none). */
const at = (timeline: string[], prefix: string) => timeline.findIndex((x) => x.startsWith(prefix));
const lastAt = (timeline: string[], prefix: string) => timeline.findLastIndex((x) => x.startsWith(prefix));

t.test('the container init runs its steps in runc order, seccomp before the credentials without no_new_privs', async (t) => {
  const dir = rootfs(t);
  const { sys, link, err, timeline } = await run(initConfig(containerPlan(dir)));
  t.type(err, ExecveCalled, 'ends in execve');
  t.same((err as ExecveCalled).argv, ['/bin/sh', '-c', 'true']);
  t.equal((err as ExecveCalled).path, '/bin/sh');

  // Bounding-set drops (one per capability) and stdio chowns (which depend on who owns
  // the test's own stdio) are left out of the sequence.
  const drops = timeline.flatMap((x, i) => (x.startsWith('prctl PR_CAPBSET_DROP') ? [i] : []));
  t.ok(drops.length > 30 && drops[0] === at(timeline, 'capget') + 1, 'the bounding set is dropped right after capget');
  const root = realpathSync(dir);
  const all = timeline.filter((x) => !x.startsWith('prctl PR_CAPBSET_DROP') && x !== 'fchown').map((x) => x.replace(root, 'ROOTFS'));
  // The mount the rootfs sits on is made private only when the host has it shared.
  const parent = all.slice(all.indexOf('mount /') + 1, all.indexOf('mount ROOTFS'));
  t.ok(parent.length <= 1 && parent.every((x) => x.startsWith('mount /')), 'at most the parent mount made private');
  const steps = all.filter((x, i) => !(i > all.indexOf('mount /') && i < all.indexOf('mount ROOTFS')));
  const [devStart, devEnd] = [steps.indexOf('mount ROOTFS/tmp') + 1, steps.indexOf('send hooks')];
  t.same(steps.slice(devStart, devEnd).filter((x) => x !== 'mknod' && x !== 'lchown'), ['umask', 'umask'], '/dev: device nodes under umask 0');
  t.same([...steps.slice(0, devStart), ...steps.slice(devEnd)], [
    'setns', // the network namespace given by path
    'unshare', // the new ones
    'joinSessionKeyring',
    'sethostname',
    'mount /', // root propagation
    'mount ROOTFS', // the rootfs bound onto itself
    'mount ROOTFS/proc',
    'mount ROOTFS/tmp',
    'send hooks',
    'receive hooksDone',
    'chdir', // into the rootfs
    'pivotRoot',
    'chdir', // onto the old root
    'mount .', // old root rslave
    'umount2', // and detached
    'chdir',
    'mount /proc/sys', // the readonly path: bound, then remounted read-only
    'statfs',
    'mount /proc/sys',
    'mount /proc/version', // masks
    'mount /proc/sys/kernel',
    'umask',
    'setCloexec', 'setCloexec', 'setCloexec',
    'cloexecFrom', // the fd sweep
    'loadSeccomp', // without no_new_privs: while still privileged
    'chdir', // the cwd
    'getcwd',
    'capget',
    'prctl PR_SET_KEEPCAPS',
    'setgroups',
    'setresgid',
    'setresuid',
    'prctl PR_SET_KEEPCAPS',
    'capset',
    'prctl PR_CAP_AMBIENT_CLEAR_ALL',
    'send ready',
    'start',
    'resetSignals',
    'execve',
  ]);
  t.same(sys.of('loadSeccomp').length, 1, 'one filter load');
  t.equal(sys.of('prctl').filter((a) => a[5] === 'PR_SET_NO_NEW_PRIVS').length, 0, 'no no_new_privs unless asked');

  // What the steps were given.
  t.same(sys.of('setns').map((a) => a[2]), ['network namespace /proc/self/ns/net']);
  t.equal((sys.of('unshare')[0]![0] as number) & (CLONE_NEWNS | CLONE_NEWUTS), CLONE_NEWNS | CLONE_NEWUTS);
  t.same(sys.of('joinSessionKeyring'), [['_ses.c1']]);
  t.same(sys.of('sethostname'), [['box']]);
  t.same(sys.of('pivotRoot'), [['.', '.']]);
  t.same(sys.of('setgroups'), [[[5]]]);
  t.same(sys.of('setresuid'), [[1000]]);
  t.same(sys.of('resetSignals'), [[[13]]]);
  t.same(link.events.filter((e) => e.what.startsWith('send')).map((e) => e.what), ['send hooks', 'send ready']);
});

t.test('with no_new_privs the filter is loaded after start, after no_new_privs is set', async (t) => {
  const dir = rootfs(t);
  const { sys, err, timeline } = await run(initConfig(containerPlan(dir, { process: { noNewPrivileges: true } })));
  t.type(err, ExecveCalled);
  t.same(sys.of('loadSeccomp').length, 1, 'one filter load');
  const nnp = at(timeline, 'prctl PR_SET_NO_NEW_PRIVS');
  t.ok(nnp >= 0 && nnp < at(timeline, 'send ready'), 'no_new_privs before ready (as runc)');
  t.ok(nnp < at(timeline, 'cloexecFrom'));
  t.ok(at(timeline, 'capset') < at(timeline, 'send ready'), 'credentials and capabilities before ready');
  t.same(timeline.slice(at(timeline, 'start')), ['start', 'loadSeccomp', 'resetSignals', 'execve'], 'the filter after start, just before the exec');
});

t.test('without a profile nothing is loaded', async (t) => {
  const dir = rootfs(t);
  const plan = containerPlan(dir);
  delete plan.seccomp;
  const { sys, err } = await run(initConfig(plan));
  t.type(err, ExecveCalled);
  t.same(sys.of('loadSeccomp'), []);
});

t.test('a failing step stops everything after it, and the error names the step', async (t) => {
  const dir = rootfs(t);
  const { sys, link, err, timeline } = await run(initConfig(containerPlan(dir)), new FakeSys().failOn('pivotRoot', 'EPERM'));
  t.type(err, SyscallError);
  t.match((err as SyscallError).message, /^pivotRoot \.: EPERM/);
  t.equal(toWire(err).step, 'pivot_root', 'the innermost step');
  t.equal(timeline.at(-1), 'pivotRoot', 'nothing after the failed call');
  for (const name of ['umount2', 'setresuid', 'capset', 'cloexecFrom', 'loadSeccomp', 'execve'] as const) {
    t.same(sys.of(name), [], `no ${name}`);
  }
  t.same(link.sent('ready'), [], 'never ready');
  t.equal(at(timeline, 'start'), -1, 'never waits for start');

  // A failure of the privilege drop: no ready, so `create` fails.
  const caps = await run(initConfig(containerPlan(rootfs(t))), new FakeSys().failOn('capset', 'EPERM'));
  t.match((caps.err as Error).message, /^unable to apply caps: capset/);
  t.equal(toWire(caps.err).step, 'drop privileges');
  t.same(caps.link.sent('ready'), []);
  t.same(caps.sys.of('execve'), []);
});

t.test('the pids cgroup: joined around a new cgroup namespace, left again, and joined for good after start', async (t) => {
  const dir = rootfs(t);
  const plan = containerPlan(dir, {
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'cgroup' }] },
  });
  const { sys, err, timeline } = await run(initConfig(plan), new FakeSys(), 'pidsJoin=7,pidsLeave=8');
  t.type(err, ExecveCalled);
  t.ok((sys.of('unshare')[0]![0] as number) & CLONE_NEWCGROUP, 'a new cgroup namespace');
  t.same(sys.of('joinCgroup'), [[7, 'the pids cgroup'], [8, 'the pids cgroup the init started in'], [7, 'the pids cgroup']]);
  const unshare = at(timeline, 'unshare');
  t.equal(timeline[unshare - 1], 'joinCgroup');
  t.equal(timeline[unshare + 1], 'joinCgroup');
  t.equal(lastAt(timeline, 'joinCgroup'), at(timeline, 'start') + 1, 'the last join right after start');
});

t.test('a new network namespace gets its loopback up, right after the unshare; a joined one is left as it is', async (t) => {
  const dir = rootfs(t);
  const fresh = containerPlan(dir, { linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network' }] } });
  const { sys, err, timeline } = await run(initConfig(fresh));
  t.type(err, ExecveCalled);
  t.ok((sys.of('unshare')[0]![0] as number) & CLONE_NEWNET, 'a new network namespace');
  t.same(sys.of('loopbackUp'), [[]], 'loopback brought up once');
  t.equal(timeline[at(timeline, 'unshare') + 1], 'loopbackUp', 'in the new namespace, before anything else');

  const joined = await run(initConfig(containerPlan(dir)));
  t.type(joined.err, ExecveCalled);
  t.same(joined.sys.of('loopbackUp'), [], 'not for a network namespace given by path');

  const failed = await run(initConfig(fresh), new FakeSys().failOn('loopbackUp', 'EPERM'));
  t.match((failed.err as Error).message, /loopbackUp lo: EPERM/);
  t.equal(toWire(failed.err).step, 'bring up loopback');
  t.same(failed.link.sent('ready'), [], 'create fails');
});

t.test('--no-new-keyring, no hostname: those steps are left out', async (t) => {
  const dir = rootfs(t);
  const plan = containerPlan(dir);
  delete plan.hostname;
  const { sys, err } = await run({ ...initConfig(plan), noNewKeyring: true });
  t.type(err, ExecveCalled);
  t.same(sys.of('joinSessionKeyring'), []);
  t.same(sys.of('sethostname'), []);
});

t.test('an id-mapped mount is attached from the fd at its slot mount:<index>; without the slot the init fails before any mount', async (t) => {
  const dir = rootfs(t);
  const src = rootfs(t);
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const plan = () => containerPlan(dir, {
    linux: { namespaces: [{ type: 'mount' }, { type: 'user' }], uidMappings: map, gidMappings: map, maskedPaths: [], readonlyPaths: [] },
  });
  const withMount = (p: ContainerPlan) => {
    const extra = planOf({ mounts: [{ destination: '/data', type: 'bind', source: src, options: ['bind', 'idmap'] }],
      linux: { namespaces: [{ type: 'user' }], uidMappings: map, gidMappings: map } }).mounts[0]!;
    p.mounts.push(extra);
    return p;
  };
  const p = withMount(plan());
  const { sys, err } = await run(initConfig(p), new FakeSys(), 'sync=3,mount:2=9');
  t.type(err, ExecveCalled, 'runs to its execve');
  t.same(sys.of('moveMount').map(([fd, target]) => [fd, String(target).replace(realpathSync(dir), 'ROOTFS')]), [[9, 'ROOTFS/data']]);
  const missing = await run(initConfig(withMount(plan())), new FakeSys(), 'sync=3');
  t.match(String(missing.err), /the runtime gave no fd for mount:2/);
  t.same(missing.sys.of('mount'), [], 'nothing mounted');
});
