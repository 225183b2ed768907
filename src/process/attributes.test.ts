import t from 'tap';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSys } from '../../test/fakes/fake.js';
import type { Process } from '../generated/config.js';
import type { ProcessPlan } from '../plan/types.js';
import { planOf, processPlan } from '../../test/fakes/plans.js';
import {
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAP_AMBIENT_RAISE,
  PR_CAPBSET_DROP,
  PR_SET_KEEPCAPS,
  PR_SET_NO_NEW_PRIVS,
  RLIM_INFINITY,
} from '../../ffi/constants.js';
import {
  applyEarlyAttributes,
  applyExecLabels,
  applyUmask,
  CWD_OUTSIDE_ROOT,
  dropPrivileges,
  fixStdioPermissions,
  setNoNewPrivileges,
  sweepFds,
  writeOomScoreAdj,
} from './attributes.js';
import { apparmorEnabled, selinuxEnabled } from '../linux/lsm.js';

const LAST_CAP = 40;

/** A fake /proc and /sys under a temp dir. */
function fakeKernel(t: { teardown(fn: () => void): void }, opts: { setgroups?: string; apparmor?: boolean; selinux?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ocirt-attr-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const proc = join(root, 'proc');
  const sysfs = join(root, 'sys');
  mkdirSync(join(proc, 'sys/kernel'), { recursive: true });
  mkdirSync(join(proc, 'self'), { recursive: true });
  mkdirSync(join(proc, 'thread-self/attr/apparmor'), { recursive: true });
  writeFileSync(join(proc, 'sys/kernel/cap_last_cap'), `${LAST_CAP}\n`);
  writeFileSync(join(proc, 'thread-self/attr/exec'), '');
  writeFileSync(join(proc, 'thread-self/attr/apparmor/exec'), '');
  writeFileSync(join(proc, 'self/oom_score_adj'), '0\n');
  if (opts.setgroups) writeFileSync(join(proc, 'self/setgroups'), `${opts.setgroups}\n`);
  if (opts.apparmor) {
    mkdirSync(join(sysfs, 'kernel/security/apparmor'), { recursive: true });
    mkdirSync(join(sysfs, 'module/apparmor/parameters'), { recursive: true });
    writeFileSync(join(sysfs, 'module/apparmor/parameters/enabled'), 'Y\n');
  }
  if (opts.selinux) {
    mkdirSync(join(sysfs, 'fs/selinux'), { recursive: true });
    writeFileSync(join(sysfs, 'fs/selinux/enforce'), '1');
  }
  return { root, proc, sysfs };
}

function baseProcess(over: Partial<Process> = {}, lastCap = LAST_CAP): ProcessPlan {
  return processPlan({
    cwd: '/work',
    args: ['/bin/app'],
    user: { uid: 1000, gid: 1000, additionalGids: [5, 6], umask: 0o027 },
    capabilities: {
      bounding: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_KILL'],
      effective: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    },
    ...over,
  }, lastCap);
}

const mask = (...n: number[]) => n.reduce((m, x) => m | (1n << BigInt(x)), 0n);

t.test('sweepFds hands over stdio and the preserved fds, and the rest closes at execve', async (t) => {
  const sys = new FakeSys();
  sweepFds(sys, 2);
  t.same(sys.of('setCloexec'), [[0, false], [1, false], [2, false], [3, false], [4, false]]);
  t.same(sys.of('cloexecFrom'), [[5]]);
  const none = new FakeSys();
  sweepFds(none, 0);
  t.same(none.of('cloexecFrom'), [[3]]);
});

t.test('applyUmask: the configured one, 0022 without one; setNoNewPrivileges sets the bit', async (t) => {
  const sys = new FakeSys();
  applyUmask(sys, baseProcess());
  applyUmask(sys, processPlan());
  t.same(sys.of('umask'), [[0o027], [0o022]]);
  setNoNewPrivileges(sys);
  t.same(sys.of('prctl'), [[PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 'PR_SET_NO_NEW_PRIVS']]);
});

t.test('dropPrivileges: runc order of cwd, credentials and capabilities', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  const warnings: string[] = [];
  dropPrivileges(sys, baseProcess(), {
    proc: k.proc, sysfs: k.sysfs, chownStdio: [], warn: (m) => warnings.push(m),
  });

  // Compress the bounding drops into one entry so the order reads clearly.
  const names: string[] = [];
  for (const c of sys.calls) {
    const label = c.name === 'prctl' ? `prctl:${c.args[0]}:${c.args[1]}` : c.name;
    if (c.name === 'prctl' && c.args[0] === PR_CAPBSET_DROP) {
      if (names.at(-1) !== 'capbset_drop') names.push('capbset_drop');
      continue;
    }
    names.push(label);
  }
  t.same(names, [
    'chdir',
    'getcwd',
    'capget',
    'capbset_drop',
    `prctl:${PR_SET_KEEPCAPS}:1`,
    'setgroups',
    'setresgid',
    'setresuid',
    `prctl:${PR_SET_KEEPCAPS}:0`,
    'capset',
    `prctl:${PR_CAP_AMBIENT}:${PR_CAP_AMBIENT_CLEAR_ALL}`,
    `prctl:${PR_CAP_AMBIENT}:${PR_CAP_AMBIENT_RAISE}`,
  ]);

  t.same(sys.of('chdir'), [['/work']]);
  t.same(sys.of('setgroups'), [[[5, 6]]]);
  t.same(sys.of('setresgid'), [[1000]]);
  t.same(sys.of('setresuid'), [[1000]]);

  // Every cap up to cap_last_cap except CHOWN(0), KILL(5), NET_BIND_SERVICE(10) leaves the bounding set.
  const dropped = sys.of('prctl').filter((a) => a[0] === PR_CAPBSET_DROP).map((a) => a[1]);
  const expected = [...Array(LAST_CAP + 1).keys()].filter((n) => ![0, 5, 10].includes(n));
  t.same(dropped, expected);

  t.same(sys.of('capset'), [[{ effective: mask(0, 10), permitted: mask(0, 10), inheritable: mask(10) }]]);
  t.same(sys.of('prctl').filter((a) => a[0] === PR_CAP_AMBIENT && a[1] === PR_CAP_AMBIENT_RAISE).map((a) => a[2]), [10]);

  t.same(warnings, []);
});

t.test('dropPrivileges: defaults (root, no caps)', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  dropPrivileges(sys, processPlan(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  t.same(sys.of('setgroups'), [[[]]], 'supplementary groups are cleared');
  t.same(sys.of('setresuid'), [[0]]);
  t.same(sys.of('capset'), [[{ effective: 0n, permitted: 0n, inheritable: 0n }]]);
  t.equal(sys.of('prctl').filter((a) => a[0] === PR_CAPBSET_DROP).length, LAST_CAP + 1, 'whole bounding set dropped');
  t.equal(sys.of('prctl').filter((a) => a[0] === PR_SET_NO_NEW_PRIVS).length, 0, 'no NNP here');
});

t.test('dropPrivileges: unknown capabilities are warned about like runc and skipped', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  const warnings: string[] = [];
  dropPrivileges(sys, baseProcess({
    capabilities: {
      bounding: ['CAP_CHOWN', 'UNKNOWN_CAP', 'CAP_UNKNOWN', 'CAP_CHECKPOINT_RESTORE'],
      effective: ['CAP_CHOWN', 'CAP_UNKNOWN'],
    },
  }, 39), { proc: k.proc, sysfs: k.sysfs, chownStdio: [], warn: (m) => warnings.push(m), lastCap: 39 });
  // CAP_CHECKPOINT_RESTORE is 40: unavailable on a kernel whose cap_last_cap is 39.
  t.same(warnings, ['ignoring unknown or unavailable capabilities: [CAP_CHECKPOINT_RESTORE CAP_UNKNOWN UNKNOWN_CAP]']);
  t.same(sys.of('capset'), [[{ effective: mask(0), permitted: 0n, inheritable: 0n }]]);
  t.equal(sys.of('prctl').filter((a) => a[0] === PR_CAPBSET_DROP).length, 39, 'drops 1..39, never past lastCap');
});

t.test('dropPrivileges: a failed ambient raise is a warning, not an error', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys().failOn('prctl', 'EPERM', (a) => a[0] === PR_CAP_AMBIENT && a[1] === PR_CAP_AMBIENT_RAISE);
  const warnings: string[] = [];
  dropPrivileges(sys, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [], warn: (m) => warnings.push(m) });
  t.same(warnings, ["can't raise ambient capability CAP_NET_BIND_SERVICE: operation not permitted"]);
});

t.test('dropPrivileges: EINVAL from PR_CAPBSET_DROP is ignored, other errors are not', async (t) => {
  const k = fakeKernel(t);
  const ok = new FakeSys().failOn('prctl', 'EINVAL', (a) => a[0] === PR_CAPBSET_DROP && a[1] === 40);
  dropPrivileges(ok, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  t.equal(ok.of('capset').length, 1);

  const bad = new FakeSys().failOn('prctl', 'EPERM', (a) => a[0] === PR_CAPBSET_DROP);
  t.throws(() => dropPrivileges(bad, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] }),
    { message: /^unable to apply bounding set: prctl .*: EPERM \(operation not permitted\)$/ });
});

t.test('dropPrivileges: no bounding changes without CAP_SETPCAP', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  sys.caps = { effective: mask(0, 1, 2), permitted: mask(0, 1, 2), inheritable: 0n };
  dropPrivileges(sys, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  t.equal(sys.of('prctl').filter((a) => a[0] === PR_CAPBSET_DROP).length, 0);
});

t.test('dropPrivileges: cwd permission errors are retried as the container user', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys().failOn('chdir', 'EACCES');
  dropPrivileges(sys, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  const order = sys.calls.map((c) => c.name).filter((n) => n === 'chdir' || n === 'setresuid' || n === 'getcwd');
  t.same(order, ['chdir', 'setresuid', 'chdir', 'getcwd'], 'the cwd is checked after the chdir that worked');

  const missing = new FakeSys().failOn('chdir', 'ENOENT');
  t.throws(() => dropPrivileges(missing, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] }),
    { message: 'chdir to cwd ("/work") set in config.json failed: no such file or directory' });
  t.equal(missing.of('setresuid').length, 0, 'stopped before changing user');
});

t.test('dropPrivileges: setgroups is skipped when the user namespace denies it', async (t) => {
  const k = fakeKernel(t, { setgroups: 'deny' });
  const sys = new FakeSys();
  dropPrivileges(sys, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  t.equal(sys.of('setgroups').length, 0);
  t.same(sys.of('setresuid'), [[1000]]);

  const rootless = new FakeSys();
  t.throws(() => dropPrivileges(rootless, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [], rootless: true }),
    { message: 'cannot set any additional groups in a rootless container' });
});

t.test('applyExecLabels: AppArmor and SELinux exec labels only when the LSM is on', async (t) => {
  const off = fakeKernel(t);
  applyExecLabels(baseProcess({ apparmorProfile: 'my-prof', selinuxLabel: 'system_u:system_r:container_t:s0' }),
    { proc: off.proc, sysfs: off.sysfs });
  t.equal(readFileSync(join(off.proc, 'thread-self/attr/apparmor/exec'), 'utf8'), '', 'apparmor off: untouched');
  t.equal(readFileSync(join(off.proc, 'thread-self/attr/exec'), 'utf8'), '', 'selinux off: untouched');
  t.notOk(apparmorEnabled(off.sysfs));
  t.notOk(selinuxEnabled(off.sysfs));

  const on = fakeKernel(t, { apparmor: true, selinux: true });
  t.ok(apparmorEnabled(on.sysfs));
  t.ok(selinuxEnabled(on.sysfs));
  applyExecLabels(baseProcess({ apparmorProfile: 'my-prof', selinuxLabel: 'system_u:system_r:container_t:s0' }),
    { proc: on.proc, sysfs: on.sysfs });
  t.equal(readFileSync(join(on.proc, 'thread-self/attr/apparmor/exec'), 'utf8'), 'exec my-prof');
  t.equal(readFileSync(join(on.proc, 'thread-self/attr/exec'), 'utf8'), 'system_u:system_r:container_t:s0');

  // Without the stacked-LSM file, AppArmor uses the common attr/exec.
  const legacy = fakeKernel(t, { apparmor: true });
  rmSync(join(legacy.proc, 'thread-self/attr/apparmor'), { recursive: true });
  applyExecLabels(baseProcess({ apparmorProfile: 'p2' }), { proc: legacy.proc, sysfs: legacy.sysfs });
  t.equal(readFileSync(join(legacy.proc, 'thread-self/attr/exec'), 'utf8'), 'exec p2');
});

t.test('fixStdioPermissions: chowns only foreign-owned, non-/dev/null fds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-stdio-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'out');
  writeFileSync(file, '');
  const fileFd = openSync(file, 'r');
  const nullFd = openSync('/dev/null', 'r');
  t.teardown(() => { closeSync(fileFd); closeSync(nullFd); });
  const owner = process.getuid!();

  const sys = new FakeSys();
  fixStdioPermissions(sys, owner + 1000, [fileFd, nullFd]);
  t.same(sys.of('fchown'), [[fileFd, owner + 1000, process.getgid!()]], 'only the file, keeping its gid');

  const same = new FakeSys();
  fixStdioPermissions(same, owner, [fileFd]);
  t.same(same.of('fchown'), [], 'already owned');

  const denied = new FakeSys().failOn('fchown', 'EPERM');
  fixStdioPermissions(denied, owner + 1000, [fileFd]);
  t.equal(denied.of('fchown').length, 1, 'EPERM ignored');

  const broken = new FakeSys().failOn('fchown', 'EIO');
  t.throws(() => fixStdioPermissions(broken, owner + 1000, [fileFd]), { message: `fchown fd ${fileFd}: EIO` });
});

t.test('applyEarlyAttributes: rlimits, oom_score_adj, ioprio, scheduler, personality, sysctl', async (t) => {
  const k = fakeKernel(t);
  mkdirSync(join(k.proc, 'sys/net/ipv4'), { recursive: true });
  writeFileSync(join(k.proc, 'sys/net/ipv4/ip_forward'), '0');
  mkdirSync(join(k.proc, 'sys/kernel'), { recursive: true });
  writeFileSync(join(k.proc, 'sys/kernel/shmmax'), '0');

  const sys = new FakeSys();
  const warnings: string[] = [];
  applyEarlyAttributes(sys, processPlan({
    cwd: '/',
    rlimits: [
      { type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 },
      // JSON.parse("18446744073709551615") is 2^64: it means unlimited.
      { type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 },
    ],
    oomScoreAdj: -500,
    ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 },
    scheduler: { policy: 'SCHED_BATCH', nice: 5, flags: ['SCHED_FLAG_RESET_ON_FORK'] },
  }), planOf({ linux: {
    personality: { domain: 'LINUX32', flags: ['X'] },
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '65536' },
  } }), { proc: k.proc, warn: (m) => warnings.push(m) });

  t.same(sys.of('setrlimit'), [
    [7, 1024n, 4096n, 'RLIMIT_NOFILE'],
    [4, RLIM_INFINITY, RLIM_INFINITY, 'RLIMIT_CORE'],
  ]);
  t.equal(readFileSync(join(k.proc, 'self/oom_score_adj'), 'utf8'), '-500');
  t.same(sys.of('ioprioSet'), [[(2 << 13) | 4]]);
  t.same(sys.of('schedSetattr'), [[{ policy: 3, flags: 1n, nice: 5, priority: 0, runtime: 0n, deadline: 0n, period: 0n }]]);
  t.same(sys.of('personality'), [[0x8]]);
  t.same(warnings, ['personality flags are not supported, ignoring: [X]']);
  t.equal(readFileSync(join(k.proc, 'sys/net/ipv4/ip_forward'), 'utf8'), '1');
  t.equal(readFileSync(join(k.proc, 'sys/kernel/shmmax'), 'utf8'), '65536');
});

t.test('applyEarlyAttributes: nothing set means nothing called', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  applyEarlyAttributes(sys, processPlan(), planOf(), { proc: k.proc });
  t.same(sys.calls, []);
  t.equal(readFileSync(join(k.proc, 'self/oom_score_adj'), 'utf8'), '0\n', 'oom_score_adj left alone');
});

t.test('oom_score_adj: left to the runtime when it has set it; the runtime writes it by pid', async (t) => {
  const k = fakeKernel(t);
  applyEarlyAttributes(new FakeSys(), processPlan({ cwd: '/', oomScoreAdj: 300 }), undefined, { proc: k.proc, oomScoreAdjSet: true });
  t.equal(readFileSync(join(k.proc, 'self/oom_score_adj'), 'utf8'), '0\n', 'not written by the init');
  mkdirSync(join(k.proc, '42'));
  writeFileSync(join(k.proc, '42/oom_score_adj'), '0\n');
  writeOomScoreAdj(42, 300, k.proc);
  t.equal(readFileSync(join(k.proc, '42/oom_score_adj'), 'utf8'), '300');
  t.throws(() => writeOomScoreAdj(43, 1, k.proc), { message: `set oom_score_adj: open ${k.proc}/43/oom_score_adj: ENOENT (no such file or directory)` });
});

t.test('applyEarlyAttributes: errors name what failed', async (t) => {
  const k = fakeKernel(t);
  t.throws(() => applyEarlyAttributes(new FakeSys().failOn('setrlimit', 'EPERM'),
    processPlan({ rlimits: [{ type: 'RLIMIT_NPROC', soft: 1, hard: 1 }] }), undefined, { proc: k.proc }),
  { message: 'setrlimit RLIMIT_NPROC: EPERM' });
  t.throws(() => applyEarlyAttributes(new FakeSys(), processPlan(), planOf({ linux: { sysctl: { 'net.nope.key': '1' } } }), { proc: k.proc }),
    { message: `write sysctl key net.nope.key: open ${k.proc}/sys/net/nope/key: ENOENT` });
  t.throws(() => applyEarlyAttributes(new FakeSys().failOn('schedSetattr', 'EPERM'),
    processPlan({ scheduler: { policy: 'SCHED_FIFO', priority: 1 } }), undefined, { proc: k.proc }),
  { message: /^error setting scheduler: schedSetattr .*: EPERM \(operation not permitted\)$/ });
});

t.test('dropPrivileges: a failed capset stops before the process could run, with runc\'s message', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys().failOn('capset', 'EPERM');
  t.throws(() => dropPrivileges(sys, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] }),
    { message: 'unable to apply caps: capset: EPERM' });
});

t.test('dropPrivileges: a cwd outside the root is refused (CVE-2024-21626)', async (t) => {
  const k = fakeKernel(t);
  const outside = new FakeSys().failOn('getcwd', 'ENOENT');
  t.throws(() => dropPrivileges(outside, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] }),
    { message: CWD_OUTSIDE_ROOT });
  t.equal(outside.of('setresuid').length, 0, 'stopped before changing user');
  t.equal(outside.of('capset').length, 0);

  const relative = new FakeSys();
  relative.chdir = (path: string) => { relative.calls.push({ name: 'chdir', args: [path] }); relative.cwd = '(unreachable)/etc'; };
  t.throws(() => dropPrivileges(relative, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] }),
    { message: 'current working directory is not absolute -- possible container breakout detected: cwd is "(unreachable)/etc"' });

  const fine = new FakeSys();
  dropPrivileges(fine, baseProcess(), { proc: k.proc, sysfs: k.sysfs, chownStdio: [] });
  t.same(fine.of('getcwd'), [[]]);
});

t.test('dropPrivileges: ambient capabilities missing from inheritable are skipped without a warning', async (t) => {
  const k = fakeKernel(t);
  const sys = new FakeSys();
  const warnings: string[] = [];
  // runc spec's sets: no inheritable set, so the kernel would refuse every raise.
  const names = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  dropPrivileges(sys, baseProcess({ capabilities: { bounding: names, effective: names, permitted: names, ambient: names } }), {
    proc: k.proc, sysfs: k.sysfs, chownStdio: [], warn: (m) => warnings.push(m),
  });
  t.same(warnings, []);
  t.same(sys.of('prctl').filter((a) => a[0] === PR_CAP_AMBIENT && a[1] === PR_CAP_AMBIENT_RAISE), [], 'no raise tried');
  t.equal(sys.of('prctl').filter((a) => a[0] === PR_CAP_AMBIENT && a[1] === PR_CAP_AMBIENT_CLEAR_ALL).length, 1, 'the set is still cleared');
});
