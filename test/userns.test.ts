// A container in a new user namespace (runtime run as root): its root is uid 100000
// on the host, it sees its own maps, its files land on the host as 100000, the whole
// lifecycle works and leaves nothing, and its init is out of the container's reach.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chownSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesInUserNamespaceOf, ROOTFS, withoutTap, isAlive } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

let n = 0;
const newId = (what: string) => `userns-${what}-${process.pid}-${++n}`;

function withUserNamespace(s: Spec): void {
  s.linux!.namespaces!.push({ type: 'user' });
  s.linux!.uidMappings = MAP;
  s.linux!.gidMappings = MAP;
}

function container(t: Test, args: string[], patch: (s: Spec) => void = () => {}) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { withUserNamespace(s); s.process!.args = args; patch(s); });
  const id = newId('c');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  return { root, bundle, id, R };
}

/** Running, not a zombie waiting for its reaper. */

function statusField(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1] ?? '';
}

t.test('the shared rootfs is readable by the container\'s root (uid 100000 on the host)', async (t) => {
  const r = spawnSync('setpriv', ['--reuid=100000', '--regid=100000', '--clear-groups', join(ROOTFS, 'bin/sh'), '-c', 'echo ok'], { encoding: 'utf8' });
  t.equal(r.stdout, 'ok\n', r.stderr);
});

t.test('run: root inside is 100000 outside, with the config\'s maps, and writes files as 100000', async (t) => {
  const shared = tempDir(t, 'ocirt-userns-shared-');
  chownSync(shared, 100000, 100000);
  const { R, bundle, id } = container(t, ['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo $$; cat /proc/self/oom_score_adj; touch /home/made'], (s) => {
    s.mounts!.push({ destination: '/home', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    s.process!.oomScoreAdj = 100;
  });
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const [uid, gid, uidMap, gidMap, pid, oomScoreAdj] = r.stdout.split('\n');
  t.equal(uid, '0');
  t.equal(gid, '0');
  t.same(uidMap!.trim().split(/\s+/).map(Number), [0, 100000, 65536], 'uid_map inside equals the config');
  t.same(gidMap!.trim().split(/\s+/).map(Number), [0, 100000, 65536], 'gid_map inside equals the config');
  t.equal(pid, '1', 'PID 1 of a PID namespace of its own');
  t.equal(oomScoreAdj, '100', 'oom_score_adj, which the non-dumpable init cannot write, set by the runtime');
  const made = statSync(join(shared, 'made'));
  t.equal(made.uid, 100000, 'the file is owned by 100000 on the host');
  t.equal(made.gid, 100000);
  t.equal(R('list', '-q').stdout, '', 'run deleted the container');
  t.same(findCgroupDirs(id), [], 'no cgroup left');
});

t.test('a new time namespace with offsets: the runtime writes them, the non-dumpable init may not open its own', async (t) => {
  const { R, bundle, id } = container(t, ['sh', '-c', 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets'], (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { monotonic: { secs: 86400, nanosecs: 7 }, boottime: { secs: 172800 } };
  });
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const [link, ...offsets] = r.stdout.trim().split('\n');
  t.not(link, readlinkSync('/proc/self/ns/time'), 'a time namespace of its own');
  t.match(offsets.join('\n'), /^monotonic\s+86400\s+7$/m);
  t.match(offsets.join('\n'), /^boottime\s+172800\s+0$/m);
});

t.test('run exits with the container status, 128+signal when it was killed', async (t) => {
  const exit7 = container(t, ['sh', '-c', 'exit 7']);
  t.equal(exit7.R('run', '--bundle', exit7.bundle, exit7.id).status, 7);
  // PID 1 of its namespace cannot be killed from inside: the signal comes from the host.
  const { R, bundle, id, root } = container(t, ['sleep', '300']);
  const child = spawn(...withoutTap(OCIRT, ['--root', root, 'run', '--bundle', bundle, id]), { stdio: 'ignore' });
  const status = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  for (let i = 0; i < 100 && !/"running"/.test(R('state', id).stdout); i++) await sleep(50);
  t.equal(R('kill', id, 'KILL').status, 0);
  t.equal(await status, 137);
  t.same(findCgroupDirs(id), [], 'no cgroup left');
});

t.test('create, state, start, kill, delete: the init is non-dumpable and alone in the namespace', async (t) => {
  const { R, bundle, id, root } = container(t, ['sleep', '300']);
  const pidFile = join(tempDir(t), 'init.pid');
  let r = R('create', '--bundle', bundle, '--pid-file', pidFile, id);
  t.equal(r.status, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'created');
  t.equal(state.pid, pid);
  t.equal(statusField(pid, 'Uid').split(/\s+/)[0], '100000', 'the init runs as 100000 on the host');
  t.equal(statusField(pid, 'NSpid').split(/\s+/).at(-1), '1', 'PID 1 inside');
  t.same(processesInUserNamespaceOf(pid), [pid], 'neither the holder nor the forking unshare is left: the init alone');
  t.notMatch(readFileSync(`/proc/${statusField(pid, 'PPid')}/cmdline`, 'utf8'), /unshare|nsenter/, 'the init was taken over from the intermediate');
  // Non-dumpable, with its memory owned by the host's namespace: /proc/PID is root's, and
  // the container's root cannot read it even with CAP_SYS_PTRACE in its namespace.
  t.equal(statSync(`/proc/${pid}/environ`).uid, 0, 'the init is non-dumpable');
  const peek = spawnSync('nsenter', [`--user=/proc/${pid}/ns/user`, '--', 'cat', `/proc/${pid}/environ`], { encoding: 'utf8' });
  t.not(peek.status, 0, 'the container\'s root cannot read the init\'s environ');
  t.match(peek.stderr, /Permission denied/);
  t.ok(findCgroupDirs(id).length > 0, 'in its cgroup');
  t.ok(readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(id), 'the init itself is in the container\'s cgroup');

  r = R('start', id);
  t.equal(r.status, 0, r.stderr);
  state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'running');
  t.equal(state.pid, pid);
  t.equal(statSync(`/proc/${pid}`).uid, 100000, 'the container\'s own process (sleep) is dumpable, as 100000');

  r = R('kill', id, 'KILL');
  t.equal(r.status, 0, r.stderr);
  for (let i = 0; i < 100 && JSON.parse(R('state', id).stdout).status !== 'stopped'; i++) await sleep(50);
  t.equal(JSON.parse(R('state', id).stdout).status, 'stopped');
  r = R('delete', id);
  t.equal(r.status, 0, r.stderr);
  t.notOk(existsSync(join(root, id)), 'no state directory');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.notOk(isAlive(pid), 'no process');
});

t.test('exec joins the container\'s user namespace as well as its others', async (t) => {
  const { R, bundle, id } = container(t, ['sleep', '300'], (s) => { s.process!.oomScoreAdj = 200; });
  let r = R('run', '-d', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const initPid = JSON.parse(R('state', id).stdout).pid as number;
  r = R('exec', id, 'sh', '-c', 'id -u; cat /proc/self/uid_map; echo $$; hostname; for l in /proc/1/ns/user /proc/self/ns/user /proc/1/ns/mnt /proc/self/ns/mnt; do readlink $l; done');
  t.equal(r.status, 0, r.stderr);
  const [uid, uidMap, pid, hostname, ...links] = r.stdout.trim().split('\n');
  t.equal(uid, '0', 'root inside');
  t.same(uidMap!.trim().split(/\s+/).map(Number), [0, 100000, 65536]);
  t.ok(Number(pid) > 1, 'in the container\'s PID namespace, not its init');
  t.equal(hostname, 'ocirt', 'in its UTS namespace');
  t.equal(links[0], links[1], 'in the init\'s user namespace');
  t.equal(links[2], links[3], 'in the init\'s mount namespace');
  t.equal(links[0], readlinkSync(`/proc/${initPid}/ns/user`));

  const pidFile = join(tempDir(t), 'exec.pid');
  r = R('exec', '-d', '--pid-file', pidFile, id, 'sleep', '100');
  t.equal(r.status, 0, r.stderr);
  const execPid = Number(readFileSync(pidFile, 'utf8'));
  t.equal(statusField(execPid, 'Uid').split(/\s+/)[0], '100000', 'the exec\'d process is 100000 on the host');
  t.equal(readlinkSync(`/proc/${execPid}/ns/user`), links[0]);
  t.equal(R('exec', id, 'sh', '-c', 'exit 3').status, 3, 'exec exits with the process\'s status');
  t.equal(R('exec', id, 'cat', '/proc/self/oom_score_adj').stdout, '200\n', 'the container\'s oom_score_adj, set by the runtime');
  t.equal(R('delete', '--force', id).status, 0);
  t.notOk(isAlive(execPid), 'delete --force ended the exec\'d process');
});

t.test('without a network namespace of its own, /sys is the host\'s, bound read-only', async (t) => {
  const { R, bundle, id } = container(t, ['sh', '-c', 'ls /sys/class/net | wc -l; grep " /sys " /proc/self/mounts; touch /sys/x 2>&1 || echo refused'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'network');
  });
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.ok(Number(r.stdout.split('\n')[0]) > 1, 'the host\'s network devices are listed');
  t.match(r.stdout, /^sysfs \/sys sysfs ro,/m, 'read-only');
  t.match(r.stdout, /refused/);
});

t.test('a failed create leaves nothing: no holder, no init, no cgroup, no state', async (t) => {
  const { R, bundle, id, root } = container(t, ['/no/such/program']);
  const r = R('create', '--bundle', bundle, id);
  t.not(r.status, 0);
  t.match(r.stderr, /unable to start container process: .*\/no\/such\/program/);
  t.notOk(existsSync(join(root, id)), 'no state directory');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  const cats = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'cat\0' && readlinkSync(`/proc/${p}/ns/user`) !== readlinkSync('/proc/self/ns/user');
    } catch {
      return false;
    }
  });
  t.same(cats, [], 'no holder left');
});
