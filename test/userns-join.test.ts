// Containers that join a user namespace or a time namespace by path (runtime run as
// root). A second container joins a first one's user, network, IPC and time namespaces
// and gets its own mount, PID and UTS namespaces: inside it is root with the first's
// maps, in the first's namespaces, its files land on the host as the mapped ids, its
// whole lifecycle works and leaves nothing, and its init is out of its reach. A time
// namespace is also joined without a user namespace, where the init's launcher keeps it
// non-dumpable by other means (src/runtime/launch/launcher.ts).
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chownSync, existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesInUserNamespaceOf, isAlive } from './helpers.js';
import { makeBundle } from './bundle.js';
import { initLauncher } from '../src/runtime/launch/launcher.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const OFFSETS = { monotonic: { secs: 86400 }, boottime: { secs: 172800, nanosecs: 5 } };

let n = 0;
const newId = (what: string) => `usernsjoin-${what}-${process.pid}-${++n}`;

function runtime(t: Test) {
  const root = tempDir(t, 'ocirt-root-');
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  return { root, R };
}

type Runtime = ReturnType<typeof runtime>;

/** Runs a container detached (deleted at teardown); returns its id and init pid. */
function runDetached(t: Test, rt: Runtime, what: string, patch: (s: Spec) => void): { id: string; pid: number } {
  const bundle = makeBundle(t, patch);
  const id = newId(what);
  t.teardown(() => { rt.R('delete', '--force', id); });
  const r = rt.R('run', '-d', '--bundle', bundle, id);
  if (r.status !== 0) throw new Error(`run -d ${what}: ${r.stderr}`);
  return { id, pid: JSON.parse(rt.R('state', id).stdout).pid as number };
}

/** A container in a new time namespace with OFFSETS, sleeping. */
function timeContainer(t: Test, rt: Runtime): { id: string; pid: number } {
  return runDetached(t, rt, 'time', (s) => {
    s.process!.args = ['sleep', '300'];
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = OFFSETS;
  });
}

/**
 * The first container: a new user namespace with MAP, sleeping, in the time namespace
 * of a container without one (which the launcher joins before the user namespace).
 */
function firstContainer(t: Test, rt: Runtime): { id: string; pid: number } {
  const time = timeContainer(t, rt);
  return runDetached(t, rt, 'first', (s) => {
    s.process!.args = ['sleep', '300'];
    s.linux!.namespaces!.push({ type: 'user' }, { type: 'time', path: `/proc/${time.pid}/ns/time` });
    s.linux!.uidMappings = MAP;
    s.linux!.gidMappings = MAP;
  });
}

/** The second container's namespaces: `joined` by path from `pid`, pid, mount and uts new. */
function joining(s: Spec, pid: number, joined: ('user' | 'network' | 'ipc' | 'time')[]): void {
  const proc = { user: 'user', network: 'net', ipc: 'ipc', time: 'time' } as const;
  s.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, ...joined.map((type) => ({ type, path: `/proc/${pid}/ns/${proc[type]}` }))];
}

const links = (pid: number | 'self', ...names: string[]) => names.map((name) => readlinkSync(`/proc/${pid}/ns/${name}`));

function statusField(pid: number, field: string): string[] {
  return (readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1] ?? '').split(/\s+/);
}

/** Running, not a zombie waiting for its reaper. */

const NS_NAMES = ['user', 'net', 'ipc', 'time', 'mnt', 'pid', 'uts'];
const SHOW = `id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo $$; for n in ${NS_NAMES.join(' ')}; do readlink /proc/self/ns/$n; done; cat /proc/self/timens_offsets`;

t.test('a second container joins the first\'s user, network, IPC and time namespaces, with its own mount, PID and UTS', async (t) => {
  const rt = runtime(t);
  const first = firstContainer(t, rt);
  const shared = tempDir(t, 'ocirt-usernsjoin-shared-');
  chownSync(shared, 100000, 100000);
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc', 'time']);
    s.process!.args = ['sh', '-c', `${SHOW}; touch /home/made`];
    s.mounts!.push({ destination: '/home', type: 'bind', source: shared, options: ['rbind', 'rw'] });
  });
  const id = newId('second');
  t.teardown(() => { rt.R('delete', '--force', id); });
  const r = rt.R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const [uid, gid, uidMap, gidMap, pid] = lines;
  const inside = lines.slice(5, 5 + NS_NAMES.length);
  const offsets = lines.slice(5 + NS_NAMES.length).join('\n');
  t.equal(uid, '0', 'root inside');
  t.equal(gid, '0');
  t.equal(uidMap, readFileSync(`/proc/${first.pid}/uid_map`, 'utf8').trimEnd(), 'uid_map inside equals the first\'s');
  t.equal(gidMap, readFileSync(`/proc/${first.pid}/gid_map`, 'utf8').trimEnd(), 'gid_map inside equals the first\'s');
  t.same(uidMap!.trim().split(/\s+/).map(Number), [0, 100000, 65536]);
  t.equal(pid, '1', 'PID 1 of a PID namespace of its own');
  const firstLinks = links(first.pid, ...NS_NAMES);
  t.same(inside.slice(0, 4), firstLinks.slice(0, 4), 'in the first\'s user, network, IPC and time namespaces');
  for (let i = 4; i < NS_NAMES.length; i++) t.not(inside[i], firstLinks[i], `a ${NS_NAMES[i]} namespace of its own`);
  t.equal(offsets, readFileSync(`/proc/${first.pid}/timens_offsets`, 'utf8').trim(), 'the time offsets are the first\'s');
  t.match(offsets, /^monotonic\s+86400\s+0$/m);
  const made = statSync(join(shared, 'made'));
  t.equal(made.uid, 100000, 'its file is owned by the mapped host uid');
  t.equal(made.gid, 100000);
  t.notMatch(rt.R('list', '-q').stdout, new RegExp(id), 'run deleted the second container');
  t.same(findCgroupDirs(id), [], 'no cgroup left');
  t.ok(isAlive(first.pid), 'the first container runs on');
});

t.test('the joining container\'s lifecycle: create, state, start, exec, kill, delete; its init is non-dumpable; nothing left', async (t) => {
  const rt = runtime(t);
  const first = firstContainer(t, rt);
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc']);
    s.process!.args = ['sleep', '300'];
    s.process!.oomScoreAdj = 150;
  });
  const id = newId('life');
  t.teardown(() => { rt.R('delete', '--force', id); });
  const pidFile = join(tempDir(t), 'init.pid');
  let r = rt.R('create', '--bundle', bundle, '--pid-file', pidFile, id);
  t.equal(r.status, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.equal(JSON.parse(rt.R('state', id).stdout).status, 'created');
  t.equal(statusField(pid, 'Uid')[0], '100000', 'the init runs as the namespace\'s root, 100000 on the host');
  t.equal(statusField(pid, 'NSpid').at(-1), '1', 'PID 1 inside');
  t.same(links(pid, 'user', 'net', 'ipc'), links(first.pid, 'user', 'net', 'ipc'));
  t.notMatch(readFileSync(`/proc/${statusField(pid, 'PPid')[0]}/cmdline`, 'utf8'), /unshare|nsenter/, 'the init was taken over from the intermediate');
  t.equal(statSync(`/proc/${pid}/environ`).uid, 0, 'the init is non-dumpable');
  const peek = spawnSync('nsenter', [`--user=/proc/${pid}/ns/user`, '--', 'cat', `/proc/${pid}/environ`], { encoding: 'utf8' });
  t.not(peek.status, 0, 'the namespace\'s root cannot read the init\'s environ');
  t.match(peek.stderr, /Permission denied/);
  t.ok(readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(id), 'the init is in the container\'s cgroup');

  r = rt.R('start', id);
  t.equal(r.status, 0, r.stderr);
  t.equal(JSON.parse(rt.R('state', id).stdout).status, 'running');
  r = rt.R('exec', id, 'sh', '-c', 'id -u; cat /proc/self/uid_map; cat /proc/self/oom_score_adj; for n in user net ipc mnt pid; do readlink /proc/self/ns/$n; done');
  t.equal(r.status, 0, r.stderr);
  const [uid, uidMap, oom, ...execLinks] = r.stdout.trim().split('\n');
  t.equal(uid, '0');
  t.same(uidMap!.trim().split(/\s+/).map(Number), [0, 100000, 65536]);
  t.equal(oom, '150', 'oom_score_adj set by the runtime');
  t.same(execLinks, links(pid, 'user', 'net', 'ipc', 'mnt', 'pid'), 'exec is in the container\'s namespaces');
  const execPidFile = join(tempDir(t), 'exec.pid');
  r = rt.R('exec', '-d', '--pid-file', execPidFile, id, 'sleep', '100');
  t.equal(r.status, 0, r.stderr);
  const execPid = Number(readFileSync(execPidFile, 'utf8'));
  t.equal(statusField(execPid, 'Uid')[0], '100000');

  t.equal(rt.R('kill', id, 'KILL').status, 0);
  for (let i = 0; i < 100 && JSON.parse(rt.R('state', id).stdout).status !== 'stopped'; i++) await sleep(50);
  t.equal(JSON.parse(rt.R('state', id).stdout).status, 'stopped');
  r = rt.R('delete', id);
  t.equal(r.status, 0, r.stderr);
  t.notOk(existsSync(join(rt.root, id)), 'no state directory');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.notOk(isAlive(pid), 'no init');
  t.notOk(isAlive(execPid), 'no exec\'d process');
  t.ok(isAlive(first.pid), 'the first container runs on');
});

t.test('joining the user namespace and the PID namespace too: the init starts in the first\'s PID namespace, unforked', async (t) => {
  const rt = runtime(t);
  const first = firstContainer(t, rt);
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc']);
    s.linux!.namespaces = s.linux!.namespaces!.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: `/proc/${first.pid}/ns/pid` } : ns));
    s.process!.args = ['sh', '-c', 'id -u; echo $$; readlink /proc/self/ns/pid; ls /proc | grep -c "^[0-9]"'];
  });
  const r = rt.R('run', '--bundle', bundle, newId('pid'));
  t.equal(r.status, 0, r.stderr);
  const [uid, pid, link, count] = r.stdout.trim().split('\n');
  t.equal(uid, '0');
  t.not(pid, '1', 'not PID 1: the first\'s sleep is');
  t.equal(link, links(first.pid, 'pid')[0], 'in the first\'s PID namespace');
  t.ok(Number(count) >= 2, 'its /proc shows the first\'s processes too');
});

t.test('a failed create in a joined user namespace leaves nothing: no launcher, no init, no cgroup, no state', async (t) => {
  const rt = runtime(t);
  const first = firstContainer(t, rt);
  const inFirst = () => processesInUserNamespaceOf(first.pid).sort();
  const before = inFirst();
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc', 'time']);
    s.process!.args = ['/no/such/program'];
  });
  const id = newId('fail');
  t.teardown(() => { rt.R('delete', '--force', id); });
  const r = rt.R('create', '--bundle', bundle, id);
  t.not(r.status, 0);
  t.match(r.stderr, /unable to start container process: .*\/no\/such\/program/);
  t.notOk(existsSync(join(rt.root, id)), 'no state directory');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.same(inFirst(), before, 'no process of it is left in the joined user namespace');
});

t.test('maps beside a user namespace path: accepted when they are the namespace\'s, refused at their pointer before anything is made', async (t) => {
  const rt = runtime(t);
  const first = firstContainer(t, rt);
  const other = [{ containerID: 0, hostID: 200000, size: 65536 }];
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc']);
    s.linux!.uidMappings = MAP;
    s.linux!.gidMappings = other;
  });
  const id = newId('badmap');
  t.teardown(() => { rt.R('delete', '--force', id); });
  let r = rt.R('create', '--bundle', bundle, id);
  t.not(r.status, 0);
  t.match(r.stderr, /\/linux\/gidMappings: is not the map of the user namespace \/proc\/\d+\/ns\/user \(0 100000 65536\)/);
  t.notMatch(r.stderr, /\/linux\/uidMappings: is not/, 'the matching uid map is fine');
  t.notOk(existsSync(join(rt.root, id)), 'no state directory');
  t.same(findCgroupDirs(id), [], 'no cgroup');

  const matching = makeBundle(t, (s) => {
    joining(s, first.pid, ['user', 'network', 'ipc']);
    s.linux!.uidMappings = MAP;
    s.linux!.gidMappings = MAP;
    s.process!.args = ['id', '-u'];
  });
  r = rt.R('run', '--bundle', matching, newId('goodmap'));
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '0\n');
  t.match(r.stderr, /\/linux\/uidMappings: has no use with a user namespace joined by path/, 'a warning, as runc');

  r = rt.R('run', '--bundle', makeBundle(t, (s) => joining(s, 999999999, ['user'])), newId('nons'));
  t.not(r.status, 0);
  t.match(r.stderr, /\/linux\/namespaces\/\d+\/path: open \/proc\/999999999\/ns\/user: ENOENT/);
});

t.test('a time namespace joined without a user namespace: its offsets, exec too, and an init non-dumpable from its execve', async (t) => {
  const rt = runtime(t);
  const first = timeContainer(t, rt);
  const bundle = makeBundle(t, (s) => {
    joining(s, first.pid, ['time']);
    s.process!.args = ['sleep', '300'];
  });
  const id = newId('time');
  t.teardown(() => { rt.R('delete', '--force', id); });
  let r = rt.R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const pid = JSON.parse(rt.R('state', id).stdout).pid as number;
  t.equal(rt.R('start', id).status, 0);
  t.same(statusField(pid, 'Gid'), ['0', '0', '0', '0'], 'the container\'s process has every gid the config\'s');
  t.same(links(pid, 'time'), links(first.pid, 'time'), 'in the first\'s time namespace');
  t.not(links(pid, 'time')[0], links('self', 'time')[0]);
  t.equal(readFileSync(`/proc/${pid}/timens_offsets`, 'utf8'), readFileSync(`/proc/${first.pid}/timens_offsets`, 'utf8'), 'with its offsets');
  r = rt.R('exec', id, 'sh', '-c', 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets; id -g; grep ^Gid: /proc/self/status');
  t.equal(r.status, 0, r.stderr);
  const [link, ...rest] = r.stdout.trim().split('\n');
  t.equal(link, links(first.pid, 'time')[0], 'exec joins the time namespace');
  t.match(rest.join('\n'), /^monotonic\s+86400\s+0$/m);
  t.match(rest.join('\n'), /^Gid:\s+0\s+0\s+0\s+0$/m, 'the exec\'d process has every gid 0');
  t.equal(rt.R('delete', '--force', id).status, 0);
  t.notOk(isAlive(pid));
  t.same(findCgroupDirs(id), []);
});

t.test('the time-namespace launcher without a user namespace starts its program non-dumpable, where plain nsenter would not', async (t) => {
  // The caller runs without CAP_SYS_PTRACE, as does the attacker, who has every other
  // capability: only dumpability keeps it from the launched program's /proc/PID/exe.
  const noPtrace = ['setpriv', '--bounding-set', '-sys_ptrace', '--'];
  const launcher = initLauncher({ join: [{ type: 'time', path: '/proc/self/ns/time' }], newPidNamespace: false })!;
  const nsenterOnly = launcher.slice(launcher.indexOf('--') + 1);
  t.match(nsenterOnly[0], /nsenter$/);
  const readable = async (prefix: string[]) => {
    const child = spawn(noPtrace[0]!, [...noPtrace.slice(1), ...prefix, '/bin/sleep', '30'], { stdio: 'ignore' });
    try {
      // Until it runs sleep (bounded: 5 s).
      const cmdline = () => readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      for (let i = 0; i < 100 && !cmdline().startsWith('/bin/sleep\0'); i++) await sleep(50);
      t.match(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), /^\/bin\/sleep\0/);
      return spawnSync(noPtrace[0]!, [...noPtrace.slice(1), 'readlink', `/proc/${child.pid}/exe`], { encoding: 'utf8' }).status === 0;
    } finally {
      child.kill('SIGKILL');
      await new Promise((res) => (child.exitCode !== null || child.signalCode !== null ? res(null) : child.once('exit', res)));
    }
  };
  t.equal(await readable(nsenterOnly), true, 'through nsenter alone the program is dumpable (the test sees the difference)');
  t.equal(await readable(launcher), false, 'through the launcher it is not');
});
