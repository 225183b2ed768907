// Bad input: each case is rejected with a clear message (JSON pointer, step,
// syscall, path, errno) and leaves no state dir, cgroup, process or mount behind.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, mountsUnder } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

let n = 0;
/** Runs `create` of a patched bundle and checks that it failed and left nothing. */
function createFails(t: Test, patch: (s: Spec) => void, expected: RegExp, raw?: string, extra: string[] = []) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, patch, raw);
  const id = `bad-${process.pid}-${++n}`;
  const r = ocirt(['--root', root, ...extra, 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'create exits 1');
  t.match(r.stderr, expected, 'the error says what is wrong');
  t.equal(r.stdout, '', 'nothing on stdout');
  t.notOk(existsSync(join(root, id)), 'no state dir');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.same(processesWith(bundle), [], 'no process');
  t.same(mountsUnder(bundle), [], 'no mount');
  // The id is free again.
  t.equal(ocirt(['--root', root, 'state', id]).status, 1);
  return { root, bundle, id, r };
}

t.test('schema violation: pointer and rule, before anything is made', async (t) => {
  createFails(t, (s) => { s.process!.args = []; }, /\/process\/args: must have at least 1 item/);
  createFails(t, (s) => { (s.linux!.namespaces as unknown[]).push({ type: 'bogus' }); }, /\/linux\/namespaces\/\d+\/type: must be one of/);
  createFails(t, (s) => { delete (s.process as { cwd?: string }).cwd; }, /\/process\/cwd/);
});

t.test('invalid JSON', async (t) => {
  createFails(t, () => {}, /config\.json.*(line|position|JSON)/i, '{"ociVersion": "1.0.2",');
});

t.test('semantic error: hostname without a UTS namespace', async (t) => {
  createFails(t, (s) => {
    s.hostname = 'x';
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'uts');
  }, /\/hostname: unable to set hostname without a private UTS namespace/);
});

t.test('missing rootfs', async (t) => {
  createFails(t, (s) => { s.root = { path: '/nonexistent-rootfs' }; }, /rootfs \(\/nonexistent-rootfs\) does not exist/);
});

t.test('missing executable: runc wording, at create', async (t) => {
  createFails(t, (s) => { s.process!.args = ['no-such-program']; }, /unable to start container process: exec: \\?"no-such-program\\?": executable file not found in \$PATH/);
});

t.test('failing mount: step, syscall, path and errno', async (t) => {
  createFails(t, (s) => {
    s.mounts!.push({ destination: '/mnt/x', type: 'nosuchfs', source: 'none' });
  }, /mount.*\/mnt\/x.*ENODEV/);
});

t.test('an id-mapped mount the runtime cannot make is refused at its pointer by the plan, before the cgroup or the init exist', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'log.txt');
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const { r } = createFails(t, (s) => {
    s.mounts!.push({ destination: '/mnt/v', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'idmap'], uidMappings: map, gidMappings: map });
  }, /\/mounts\/\d+\/options\/1: id-mapped mounts are only supported for bind mounts/, undefined, ['--debug', '--log', log]);
  t.notMatch(r.stderr, /unable to start container process/, 'not an init failure');
  const steps = readFileSync(log, 'utf8');
  t.match(steps, /validate bundle/, 'the debug log has the steps');
  t.notMatch(steps, /cgroup create|spawn init/, 'neither the cgroup nor the init was made');
  // Without maps of its own and without a user namespace there are no maps to take.
  createFails(t, (s) => {
    s.mounts!.push({ destination: '/mnt/v', type: 'bind', source: '/tmp', options: ['rbind', 'ridmap'] });
  }, /\/mounts\/\d+\/options\/1: ridmap needs the mount's uidMappings and gidMappings, or a new user namespace whose maps it takes/);
});

t.test('failing hook', async (t) => {
  const { r } = createFails(t, (s) => {
    s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'echo boom >&2; exit 3'] }] };
  }, /error running createRuntime hook #0/);
  t.match(r.stderr, /boom/);
});

t.test('with --log-format json the error is also a JSON line in --log', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'log.json');
  const { r } = createFails(t, (s) => { s.process!.args = ['no-such-program']; }, /executable file not found/, undefined,
    ['--log', log, '--log-format', 'json']);
  t.match(r.stderr, /^ocirt create failed: .*executable file not found in \$PATH\n$/, 'plain text on stderr');
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  t.equal(last.level, 'error');
  t.match(last.msg, /executable file not found in \$PATH/);
  t.match(last.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
});

t.test('an id that is taken is refused and the first container is untouched', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { s.process!.args = ['sleep', '30']; });
  const id = `dup-${process.pid}`;
  t.equal(ocirt(['--root', root, 'create', '--bundle', bundle, id]).status, 0);
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /container with given ID already exists/);
  t.match(ocirt(['--root', root, 'state', id]).stdout, /"status": "created"/);
});

t.test('invalid container id', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t);
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, 'a/b']);
  t.equal(r.status, 1);
  t.match(r.stderr, /invalid container ID format/);
});

t.test('terminal without a console socket when detached', async (t) => {
  createFails(t, (s) => { s.process!.terminal = true; }, /cannot allocate tty if runc will detach without setting console socket/);
});

t.test('a new user namespace without maps, or one joined by path with maps not its own, is refused with a pointer', async (t) => {
  createFails(t, (s) => { s.linux!.namespaces!.push({ type: 'user' }); }, /\/linux\/uidMappings: is required with a new user namespace \(\/linux\/namespaces\/\d+\)/);
  createFails(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user', path: '/proc/self/ns/user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }, /\/linux\/uidMappings: is not the map of the user namespace \/proc\/self\/ns\/user \(0 0 4294967295\): leave it out or give that one/);
  createFails(t, (s) => { s.linux!.namespaces!.push({ type: 'user', path: '/nonexistent/user' }); },
    /\/linux\/namespaces\/5\/path: open \/nonexistent\/user: ENOENT/);
});

t.test('a namespace path that is no namespace of its type is refused at its pointer before anything is made', async (t) => {
  createFails(t, (s) => { s.linux!.namespaces!.push({ type: 'time', path: '/proc/self/ns/net' }); },
    /\/linux\/namespaces\/5\/path: \/proc\/self\/ns\/net is a net namespace, not a time namespace/);
  createFails(t, (s) => { s.linux!.namespaces![1] = { type: 'network', path: '/proc/999999999/ns/net' }; },
    /\/linux\/namespaces\/1\/path: open \/proc\/999999999\/ns\/net: ENOENT/);
});
