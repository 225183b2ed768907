// Config values the kernel would misread are refused before anything is made: ids beyond 2147483647
// (4294967295 is "unchanged" to setresuid), integers JSON.parse would round, nesting too deep for the
// recursive walks, NUL bytes, a mount label the host cannot apply, unknown seccomp actions. And the
// legitimate edge values run: uid 2147483647, rlimit 18446744073709551615, the sysctl slash spelling.
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, mountsUnder } from './helpers.js';
import { baseSpec, makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

let n = 0;
const nextId = () => `exact-${process.pid}-${++n}`;
const RANGE = 'uids and gids must be in range 0-2147483647';

/** A config text where the number 424242424242 is replaced by `literal` (JSON.stringify cannot write it). */
function withLiteral(patch: (s: Spec) => void, literal: string): string {
  const spec = baseSpec();
  patch(spec);
  return JSON.stringify(spec, null, 2).replace('424242424242', literal);
}

/** The error message: stderr is a logfmt line (`time=... level=error msg="..."`) when it is not a terminal. */
function errorText(stderr: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  return m ? (JSON.parse(`"${m[1]}"`) as string) : stderr;
}

/** `create` fails with exit 1 and `expected` on stderr, and leaves nothing behind. */
function createFails(t: Test, patch: (s: Spec) => void, expected: string | RegExp, raw?: string) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, patch, raw);
  const id = nextId();
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.match(errorText(r.stderr), expected, 'the error names the field and the value');
  t.equal(r.stdout, '');
  t.notOk(existsSync(join(root, id)), 'no state dir');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.same(processesWith(bundle), [], 'no process');
  t.same(mountsUnder(bundle), [], 'no mount');
  return r;
}

/** `run` in the foreground; returns its result (the container's stdout). */
function run(t: Test, patch: (s: Spec) => void, args: string[]) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => {
    patch(s);
    s.process!.args = args;
  });
  const id = nextId();
  const r = ocirt(['--root', root, 'run', '--bundle', bundle, id]);
  t.same(findCgroupDirs(id), [], 'no cgroup left');
  return r;
}

t.test('uid, gid and additional gids beyond 2147483647 are refused at their pointer', async (t) => {
  createFails(t, (s) => (s.process!.user = { uid: 4294967295, gid: 0 }), `/process/user/uid: 4294967295: ${RANGE}`);
  createFails(t, (s) => (s.process!.user = { uid: 0, gid: 4294967295 }), `/process/user/gid: 4294967295: ${RANGE}`);
  createFails(t, (s) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [2147483648] }), `/process/user/additionalGids/0: 2147483648: ${RANGE}`);
  createFails(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 4294967295, size: 1 }];
    s.linux!.gidMappings = [{ containerID: 4294967000, hostID: 0, size: 1 }];
  }, new RegExp(`/linux/uidMappings/0/hostID: 4294967295: ${RANGE}\\n/linux/gidMappings/0/containerID: 4294967000: ${RANGE}`));
});

t.test('uid and gid 2147483647 run', async (t) => {
  const r = run(t, (s) => (s.process!.user = { uid: 2147483647, gid: 2147483647 }), ['sh', '-c', 'id -u; id -g']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '2147483647\n2147483647\n');
});

t.test('exec --user, --additional-gids and process.json ids are checked before anything is done', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  // The flags are read before the container is looked up: a missing container shows they are checked first.
  let r = ocirt(['--root', root, 'exec', '--user', '4294967295', 'no-such-container', 'true']);
  t.equal(r.status, 255);
  t.match(errorText(r.stderr), `invalid --user uid 4294967295: ${RANGE}`);
  r = ocirt(['--root', root, 'exec', '--user', '0:2147483648', 'no-such-container', 'true']);
  t.match(errorText(r.stderr), `invalid --user gid 2147483648: ${RANGE}`);
  r = ocirt(['--root', root, 'exec', '--additional-gids', '4294967295', 'no-such-container', 'true']);
  t.match(errorText(r.stderr), `invalid --additional-gids 4294967295: ${RANGE}`);
  const dir = tempDir(t);
  const file = join(dir, 'process.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, JSON.stringify({ cwd: '/', args: ['true'], user: { uid: 4294967295, gid: 0 } }));
  r = ocirt(['--root', root, 'exec', '-p', file, 'no-such-container']);
  t.equal(r.status, 255);
  t.match(errorText(r.stderr), `invalid process.json: /user/uid: 4294967295: ${RANGE}`);
  writeFileSync(file, '{"cwd": "/", "args": ["true"], "rlimits": [{"type": "RLIMIT_CORE", "soft": 9007199254740993, "hard": 18446744073709551615}]}');
  r = ocirt(['--root', root, 'exec', '-p', file, 'no-such-container']);
  t.match(errorText(r.stderr), 'invalid process.json: /rlimits/0/soft: 9007199254740993 cannot be used');
  t.notMatch(r.stderr, '/rlimits/0/hard', 'unlimited is accepted');
});

t.test('integers beyond 2^53 are refused, not rounded', async (t) => {
  const rlimit = (s: Spec) => (s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 424242424242 }]);
  createFails(t, () => {}, /\/process\/rlimits\/0\/hard: 9007199254740993 cannot be used: integers beyond/, withLiteral(rlimit, '9007199254740993'));
  createFails(t, () => {}, /\/process\/rlimits\/0\/hard: 18446744073709551616 cannot be used/, withLiteral(rlimit, '18446744073709551616'));
  const memory = (s: Spec) => (s.linux!.resources = { memory: { limit: 424242424242 } });
  createFails(t, () => {}, /\/linux\/resources\/memory\/limit: 9223372036854775808 cannot be used/, withLiteral(memory, '9223372036854775808'));
});

t.test('update --resources refuses them too, before looking at the container', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const r = ocirt(['--root', root, 'update', '-r', '-', 'no-such-container'], { input: '{"memory": {"limit": 9223372036854775807}}' });
  t.equal(r.status, 1);
  t.match(errorText(r.stderr), 'invalid resources JSON: /memory/limit: 9223372036854775807 cannot be used');
});

t.test('rlimit 18446744073709551615 is unlimited; memory and cpu quota -1 are accepted', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const text = withLiteral((s) => {
    s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 424242424242, hard: 424242424242 }];
    s.process!.args = ['sh', '-c', 'ulimit -c'];
    s.linux!.resources = { memory: { limit: -1 }, cpu: { quota: -1 } };
  }, '18446744073709551615').replace('424242424242', '18446744073709551615');
  const bundle = makeBundle(t, () => {}, text);
  const id = nextId();
  const r = ocirt(['--root', root, 'run', '--bundle', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'unlimited\n');
});

t.test('a config nested 10,000 levels deep is refused while it is read', async (t) => {
  const raw = JSON.stringify(baseSpec()).replace(/}$/, `, "x-deep": ${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`);
  const r = createFails(t, () => {}, /^ocirt create failed: invalid config\.json: \/x-deep(\/a){99}: is nested more than 100 levels deep$/, raw);
  t.notMatch(r.stderr, 'Maximum call stack');
});

t.test('a NUL byte in a mount option, path or argument is refused at its pointer', async (t) => {
  createFails(t, (s) => s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['ro\u0000rw'] }),
    /\/mounts\/\d+\/options\/0: "ro\\u0000rw" contains a NUL byte/);
  createFails(t, (s) => s.mounts!.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['mode=0700\u0000,exec'] }),
    /\/mounts\/\d+\/options\/0: "mode=0700\\u0000,exec" contains a NUL byte/);
  createFails(t, (s) => (s.process!.args = ['echo\u0000', 'x']), '/process/args/0: "echo\\u0000" contains a NUL byte');
});

t.test('linux.mountLabel is refused where SELinux cannot apply it', async (t) => {
  createFails(t, (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'),
    '/linux/mountLabel: selinux mount label is specified in config, but selinux is disabled or not supported');
});

t.test('an unknown seccomp action is named with its pointer', async (t) => {
  createFails(t, (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NO_SUCH_ACTION' as never }),
    /\/linux\/seccomp\/defaultAction: unknown value "SCMP_ACT_NO_SUCH_ACTION": must be one of SCMP_ACT_KILL, /);
});

t.test('the sysctl slash spelling is written like the dotted one', async (t) => {
  const r = run(t, (s) => (s.linux!.sysctl = { 'kernel/shmmax': '1234567', 'kernel.shmmni': '1000' }), ['cat', '/proc/sys/kernel/shmmax', '/proc/sys/kernel/shmmni']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '1234567\n1000\n');
});
