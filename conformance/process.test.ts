// The process (config.md "Process", config-linux.md process extensions): args and PATH lookup,
// env, cwd, user, umask, rlimits, noNewPrivileges, capabilities, oomScoreAdj, and the items runc
// 1.1.5 lacks (ioPriority, scheduler, personality; see subjectLacks() in helpers.ts).
//
// Where runc may differ from the spec text:
// - runc adds HOME (from the rootfs's /etc/passwd, else "/") when process.env has none; the spec
//   does not ask for it.
// - runc creates a missing cwd; the spec does not say.
// - runc does not add supplementary groups from /etc/group: only additionalGids count.
// - Capabilities are observed after execve, so the kernel's rules apply on top of the config: a
//   root process gains bounding|inheritable into permitted/effective unless no_new_privs caps it
//   at the old permitted set; a non-root process keeps only its ambient set in permitted/effective.
// - Without umask runc leaves 0022.

import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  SUBJECT,
  assertSameAsReference,
  capMask,
  create,
  makeBundle,
  observe,
  observeBoth,
  parseStatus,
  setupSuite,
  stateOf,
  subjectLacks,
  type SpecPatch,
} from './helpers.js';
import { DEFAULT_PATH } from './base-config.js';

setupSuite(t);

const SHARED = { rootfs: 'shared' as const };

t.test('args: a bare name is looked up in the container\'s PATH', async (t) => {
  const withPath =
    (p: string): SpecPatch =>
    (s) =>
      void (s.process!.env = [`PATH=${p}`]);
  const found = await observeBoth(withPath('/nonexistent:/bin'), ['hostname'], SHARED);
  t.equal(found.ocirt.status, 0, found.ocirt.stderr);
  t.equal(found.ocirt.stdout, 'ocirt-test\n', 'found in the second PATH entry');
  assertSameAsReference(t, found, ['status', 'stdout'], 'found');

  // hostname lives in /bin of the rootfs; a PATH without it must fail to start the process.
  const missing = await observeBoth(withPath('/usr/sbin'), ['hostname'], SHARED);
  t.not(missing.ocirt.status, 0, 'not found in PATH: run fails');
  t.equal(missing.ocirt.stdout, '');
  assertSameAsReference(t, missing, ['status', 'stdout'], 'not found');

  const absolute = await observeBoth(withPath('/nonexistent'), ['/bin/echo', 'abs', 'two words'], SHARED);
  t.equal(absolute.ocirt.stdout, 'abs two words\n', 'an absolute path needs no PATH; args pass verbatim');
  assertSameAsReference(t, absolute, ['status', 'stdout'], 'absolute');
});

t.test('env: the process sees exactly the configured environment (plus HOME)', async (t) => {
  const env = [DEFAULT_PATH, 'FOO=bar baz', 'EMPTY=', 'WITH_EQUALS=a=b'];
  const both = await observeBoth((s) => void (s.process!.env = env), ['env'], SHARED);
  t.same(both.ocirt.stdout.split('\n').filter(Boolean).sort(), [...env, 'HOME=/root'].sort());
  assertSameAsReference(t, both);

  const home = await observeBoth((s) => void (s.process!.env = [DEFAULT_PATH, 'HOME=/custom']), ['env'], SHARED);
  t.same(home.ocirt.stdout.split('\n').filter(Boolean).sort(), [DEFAULT_PATH, 'HOME=/custom'].sort(), 'HOME kept');
  assertSameAsReference(t, home, ['status', 'stdout'], 'HOME given');
});

t.test('cwd', async (t) => {
  const both = await observeBoth((s) => void (s.process!.cwd = '/etc'), 'pwd; ls passwd', SHARED);
  t.equal(both.ocirt.stdout, '/etc\npasswd\n');
  assertSameAsReference(t, both);

  const missing = await observeBoth((s) => void (s.process!.cwd = '/created/by/runtime'), 'pwd');
  t.equal(missing.ocirt.stdout, '/created/by/runtime\n', 'a missing cwd is created (runc behaviour)');
  assertSameAsReference(t, missing, ['status', 'stdout'], 'missing cwd');
});

t.test('user: uid, gid and additionalGids', async (t) => {
  const both = await observeBoth(
    (s) => void (s.process!.user = { uid: 1000, gid: 1000, additionalGids: [100, 5] }),
    'grep -E "^(Uid|Gid|Groups):" /proc/self/status; id; echo "HOME=$HOME"',
    SHARED,
  );
  const st = parseStatus(both.ocirt.stdout);
  t.equal(st.Uid, '1000\t1000\t1000\t1000');
  t.equal(st.Gid, '1000\t1000\t1000\t1000');
  t.same(st.Groups.split(/\s+/).sort(), ['100', '5']);
  t.match(both.ocirt.stdout, /^uid=1000\(test\) gid=1000\(test\)/m);
  t.match(both.ocirt.stdout, /^HOME=\/home\/test$/m, 'HOME from /etc/passwd');
  assertSameAsReference(t, both);

  const plain = await observeBoth(
    (s) => void (s.process!.user = { uid: 1000, gid: 1000 }),
    'grep "^Groups:" /proc/self/status',
    SHARED,
  );
  t.equal(plain.ocirt.stdout.trim(), 'Groups:', 'no additionalGids: no supplementary groups (not even from /etc/group)');
  assertSameAsReference(t, plain, ['status', 'stdout'], 'no additionalGids');

  const unknown = await observeBoth((s) => void (s.process!.user = { uid: 4321, gid: 8765 }), 'id; echo "HOME=$HOME"', SHARED);
  t.equal(unknown.ocirt.stdout, 'uid=4321 gid=8765\nHOME=/\n', 'ids not in /etc/passwd work; HOME is /');
  assertSameAsReference(t, unknown, ['status', 'stdout'], 'unknown uid');
});

t.test('umask', async (t) => {
  const set = await observeBoth((s) => void (s.process!.user.umask = 0o027), 'umask', SHARED);
  t.equal(set.ocirt.stdout, '0027\n');
  assertSameAsReference(t, set, ['status', 'stdout'], 'umask 027');
  const unset = await observeBoth(undefined, 'umask', SHARED);
  t.equal(unset.ocirt.stdout, '0022\n', 'default');
  assertSameAsReference(t, unset, ['status', 'stdout'], 'no umask');
});

t.test('rlimits', async (t) => {
  const patch: SpecPatch = (s) => {
    s.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
      { type: 'RLIMIT_NPROC', soft: 300, hard: 400 },
      { type: 'RLIMIT_STACK', soft: 4194304, hard: 8388608 },
    ];
  };
  const both = await observeBoth(patch, 'grep -E "^Max (open files|core file size|processes|stack size)" /proc/self/limits', SHARED);
  const rows = both.ocirt.stdout
    .trim()
    .split('\n')
    .map((l) => l.replace(/\s{2,}/g, '|').split('|').slice(0, 3).join(' '));
  t.same(rows.sort(), [
    'Max core file size 0 0',
    'Max open files 512 1000',
    'Max processes 300 400',
    'Max stack size 4194304 8388608',
  ]);
  assertSameAsReference(t, both);
});

t.test('noNewPrivileges', async (t) => {
  for (const nnp of [true, false]) {
    const both = await observeBoth((s) => void (s.process!.noNewPrivileges = nnp), 'grep ^NoNewPrivs: /proc/self/status', SHARED);
    t.equal(both.ocirt.stdout, `NoNewPrivs:\t${nnp ? 1 : 0}\n`);
    assertSameAsReference(t, both, ['status', 'stdout'], `noNewPrivileges ${nnp}`);
  }
});

t.test('capabilities', async (t) => {
  const caps = {
    bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW', 'CAP_SETUID'],
    effective: ['CAP_KILL'],
    permitted: ['CAP_KILL', 'CAP_CHOWN', 'CAP_NET_RAW'],
    inheritable: ['CAP_CHOWN', 'CAP_NET_RAW'],
    ambient: ['CAP_CHOWN'],
  };
  const cases = [
    {
      name: 'root, noNewPrivileges',
      user: { uid: 0, gid: 0 },
      nnp: true,
      // execve as root adds bounding|inheritable to permitted, but no_new_privs caps it at the old permitted
      want: { bnd: caps.bounding, prm: caps.permitted, eff: caps.permitted },
    },
    {
      name: 'root, new privileges allowed',
      user: { uid: 0, gid: 0 },
      nnp: false,
      want: { bnd: caps.bounding, prm: caps.bounding, eff: caps.bounding },
    },
    {
      name: 'uid 1000',
      user: { uid: 1000, gid: 1000 },
      nnp: true,
      // a non-root execve keeps only the ambient set
      want: { bnd: caps.bounding, prm: caps.ambient, eff: caps.ambient },
    },
  ];
  for (const c of cases) {
    const both = await observeBoth(
      (s) => {
        s.process!.user = c.user;
        s.process!.noNewPrivileges = c.nnp;
        s.process!.capabilities = caps;
      },
      'grep ^Cap /proc/1/status',
      SHARED,
    );
    const st = parseStatus(both.ocirt.stdout);
    t.same(
      { CapBnd: st.CapBnd, CapPrm: st.CapPrm, CapEff: st.CapEff, CapInh: st.CapInh, CapAmb: st.CapAmb },
      {
        CapBnd: capMask(c.want.bnd),
        CapPrm: capMask(c.want.prm),
        CapEff: capMask(c.want.eff),
        CapInh: capMask(caps.inheritable),
        CapAmb: capMask(caps.ambient),
      },
      c.name,
    );
    assertSameAsReference(t, both, ['status', 'stdout'], c.name);
  }

  const none = await observeBoth((s) => void delete s.process!.capabilities, 'grep ^Cap /proc/1/status', SHARED);
  const st = parseStatus(none.ocirt.stdout);
  t.same([st.CapBnd, st.CapPrm, st.CapEff, st.CapInh, st.CapAmb], Array(5).fill(capMask([])), 'no capabilities object: none at all');
  assertSameAsReference(t, none, ['status', 'stdout'], 'no capabilities');
});

t.test('oomScoreAdj', async (t) => {
  const both = await observeBoth((s) => void (s.process!.oomScoreAdj = 500), 'cat /proc/self/oom_score_adj', SHARED);
  t.equal(both.ocirt.stdout, '500\n');
  assertSameAsReference(t, both);
});

t.test('ioPriority', async (t) => {
  const obs = await observe(
    SUBJECT,
    (s) => void (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }),
    'ionice -p $$',
    SHARED,
  );
  t.equal(obs.status, 0, obs.stderr);
  if (await subjectLacks('ioPriority')) {
    t.equal(obs.stdout, 'none: prio 0\n', 'runc 1.1 ignores ioPriority (known gap; runc >= 1.2 sets it)');
    return;
  }
  t.equal(obs.stdout, 'best-effort: prio 6\n');
});

t.test('scheduler', async (t) => {
  const obs = await observe(
    SUBJECT,
    (s) => void (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 }),
    // stat field 19 is nice; comm "(sh)" has no spaces
    'grep "^policy" /proc/self/sched | tr -s " "; cut -d" " -f19 /proc/$$/stat',
    SHARED,
  );
  t.equal(obs.status, 0, obs.stderr);
  if (await subjectLacks('scheduler')) {
    t.equal(obs.stdout, 'policy : 0\n0\n', 'runc 1.1 ignores scheduler (known gap; runc >= 1.2 sets it)');
    return;
  }
  t.equal(obs.stdout, 'policy : 3\n7\n', 'SCHED_BATCH (3) with nice 7');
});

t.test('personality', async (t) => {
  const obs = await observe(SUBJECT, (s) => void (s.linux!.personality = { domain: 'LINUX32' }), 'uname -m', SHARED);
  t.equal(obs.status, 0, obs.stderr);
  if (await subjectLacks('personality')) {
    t.equal(obs.stdout, 'x86_64\n', 'runc 1.1 ignores personality (known gap; runc >= 1.2 sets it)');
    return;
  }
  t.equal(obs.stdout, 'i686\n', 'LINUX32: uname reports a 32-bit machine');
});

/** `create` that must fail: its status and stderr, and whether the runtime still knows the id. */
async function failedCreate(runtime: 'ocirt' | 'runc', patch: SpecPatch, opts: { rootfs?: 'shared' } = {}) {
  const bundle = await makeBundle(patch, { ...opts, runtime });
  const t0 = Date.now();
  const c = await create(runtime, bundle, { timeoutMs: 20_000 });
  const ms = Date.now() - t0;
  const left = await stateOf(runtime, c.id);
  if (left) await c.delete(true);
  return { status: c.createResult.status, stderr: c.createResult.stderr, ms, left };
}

t.test('a capability the host cannot grant fails create with "unable to apply caps"', async (t) => {
  // The case needs a capability missing from this host root's permitted set: CAP_SYS_RESOURCE (24) here.
  const hostPermitted = BigInt(`0x${parseStatus(readFileSync('/proc/self/status', 'utf8')).CapPrm}`);
  if ((hostPermitted >> 24n) & 1n) throw new Error('this test needs a host whose root lacks CAP_SYS_RESOURCE');
  const caps: SpecPatch = (s) => {
    const c = s.process!.capabilities!;
    for (const set of ['bounding', 'effective', 'permitted'] as const) c[set] = [...(c[set] ?? []), 'CAP_SYS_RESOURCE'];
    s.process!.args = ['true'];
  };
  for (const runtime of ['ocirt', 'runc'] as const) {
    const r = await failedCreate(runtime, caps, SHARED);
    t.equal(r.status, 1, `${runtime}: create fails`);
    t.match(r.stderr, /unable to apply caps: .*(EPERM|operation not permitted)/, `${runtime}: ${r.stderr}`);
    t.equal(r.left, undefined, `${runtime}: nothing left behind`);
  }
});

t.test('a cwd under /proc that does not exist fails create at once, with the path and errno', async (t) => {
  for (const cwd of ['/proc/nonexistent', '/proc/self/fd/21']) {
    for (const runtime of ['ocirt', 'runc'] as const) {
      const r = await failedCreate(runtime, (s) => void (s.process!.cwd = cwd), SHARED);
      t.equal(r.status, 1, `${runtime} ${cwd}: create fails (${r.stderr})`);
      t.ok(r.stderr.includes(cwd), `${runtime} ${cwd}: the path is named`);
      // fd 21 may be open in an init (never in the process: it is close-on-exec); then the cwd
      // resolves to where that fd points, and the CVE-2024-21626 check refuses it instead.
      t.match(r.stderr, /ENOENT|no such file or directory|possible container breakout detected/, `${runtime} ${cwd}: and the errno`);
      t.ok(r.ms < 15_000, `${runtime} ${cwd}: answered in ${r.ms} ms`);
      t.equal(r.left, undefined, `${runtime} ${cwd}: nothing left behind`);
    }
  }
});

t.test('exec with the spec\'s default ambient set (no inheritable set) prints no warning', async (t) => {
  const stderr: Record<string, string> = {};
  for (const runtime of ['ocirt', 'runc'] as const) {
    const bundle = await makeBundle((s) => void (s.process!.args = ['sleep', '100']), { ...SHARED, runtime });
    t.ok(bundle.spec.process!.capabilities!.ambient!.length > 0 && !bundle.spec.process!.capabilities!.inheritable);
    const c = await create(runtime, bundle);
    t.ok(c.created, `${runtime} create: ${c.createResult.stderr}`);
    t.equal((await c.start()).status, 0);
    const ex = await c.exec('grep ^CapAmb /proc/self/status');
    t.equal(ex.status, 0, `${runtime} exec`);
    t.equal(ex.stdout, 'CapAmb:\t0000000000000000\n', `${runtime}: the kernel grants no ambient capability without inheritable`);
    stderr[runtime] = ex.stderr;
    await c.delete(true);
  }
  t.equal(stderr.ocirt, '', 'no "can\'t raise ambient capability" warnings');
  t.equal(stderr.ocirt, stderr.runc, 'ocirt matches runc');
});
