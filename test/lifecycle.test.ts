// The lifecycle as a person or an engine drives it: run, create/start/state/kill/
// delete, list, pid files, exit statuses, preserved fds, --debug.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, REPO, withoutTap } from './helpers.js';
import { makeBundle } from './bundle.js';
import { checkState } from '../src/config/validate.js';

requireRoot();
ensureRootfs();

let n = 0;
const newId = (what: string) => `${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';

function container(t: Test, args = ['sleep', '300']) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { s.process!.args = args; });
  const id = newId('c');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  return { root, bundle, id, R };
}

t.test('run of bundles/hello prints its greeting and exits 0', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const r = ocirt(['--root', root, 'run', '--bundle', join(REPO, 'bundles/hello'), newId('hello')]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'Hello from ocirt!\n');
  t.equal(ocirt(['--root', root, 'list', '-q']).stdout, '', 'run deletes the container after it exits');
});

t.test('run exits with the container status, 128+signal when killed', async (t) => {
  const { root, bundle } = container(t);
  const b7 = makeBundle(t, (s) => { s.process!.args = ['sh', '-c', 'exit 7']; });
  t.equal(ocirt(['--root', root, 'run', '--bundle', b7, newId('x7')]).status, 7);
  const id = newId('killed');
  const child = spawn(...withoutTap(OCIRT, ['--root', root, 'run', '--bundle', bundle, id]), { stdio: 'ignore' });
  const status = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  for (let i = 0; i < 100 && !/"running"/.test(ocirt(['--root', root, 'state', id]).stdout); i++) await sleep(50);
  t.equal(ocirt(['--root', root, 'kill', id, 'KILL']).status, 0);
  t.equal(await status, 137);
});

t.test('create, state, start, state, kill, delete by hand', async (t) => {
  const { R, bundle, id, root } = container(t);
  const pidFile = join(tempDir(t), 'init.pid');
  let r = R('create', '--bundle', bundle, '--pid-file', pidFile, id);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');
  const pidText = readFileSync(pidFile, 'utf8');
  t.match(pidText, /^\d+$/, 'pid file holds digits only');
  let state = JSON.parse(R('state', id).stdout);
  t.same(checkState(state), [], 'state validates against the state schema');
  t.equal(state.status, 'created');
  t.equal(state.pid, Number(pidText));
  t.equal(state.bundle, bundle);
  t.same(Object.keys(state), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner'], "runc's field order");
  t.ok(existsSync(join(root, id, 'exec.fifo')));
  t.ok(findCgroupDirs(id).length > 0, 'the init is in its cgroup');
  const cg = readFileSync(`/proc/${state.pid}/cgroup`, 'utf8');
  t.match(cg, new RegExp(`devices:.*/${id}\\n`), 'before start, in its cgroup');
  // No pids limit: the init is moved into pids with the rest, at create, as runc does (test/pids-limit.test.ts has the small limits).
  t.match(cg, new RegExp(`pids:.*/${id}\\n`), 'before start, in the pids hierarchy too');

  r = R('start', id);
  t.equal(r.status, 0, r.stderr);
  state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'running');
  t.same(checkState(state), []);
  t.notOk(existsSync(join(root, id, 'exec.fifo')), 'the fifo is gone once started');
  t.match(readFileSync(`/proc/${state.pid}/cgroup`, 'utf8'), new RegExp(`pids:.*/${id}\\n`), 'once started, still in the pids hierarchy');
  t.match(R('start', id).stderr, /cannot start an already running container/);

  r = R('delete', id);
  t.equal(r.status, 1);
  t.match(r.stderr, new RegExp(`cannot delete container ${id} that is not stopped: running`));

  t.equal(R('kill', id, 'KILL').status, 0);
  for (let i = 0; i < 100 && JSON.parse(R('state', id).stdout).status !== 'stopped'; i++) await sleep(50);
  state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'stopped');
  t.equal(state.pid, 0, 'a stopped container reports pid 0');
  t.same(checkState(state), []);
  t.match(R('kill', id).stderr, /container not running/);
  t.equal(R('kill', '--all', id, 'KILL').status, 0, 'kill --all of a stopped container is not an error');
  t.match(R('start', id).stderr, /cannot start a container that has stopped/);

  t.equal(R('delete', id).status, 0);
  t.notOk(existsSync(join(root, id)), 'state dir removed');
  t.same(findCgroupDirs(id), [], 'cgroup removed');
  t.match(R('state', id).stderr, /container does not exist/);
});

t.test('delete --force kills a running container', async (t) => {
  const { R, bundle, id } = container(t);
  t.equal(R('run', '-d', '--bundle', bundle, id).status, 0);
  const pid = JSON.parse(R('state', id).stdout).pid;
  t.equal(R('delete', '--force', id).status, 0);
  t.notOk(existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 'init is gone');
  t.same(findCgroupDirs(id), []);
});

t.test('delete of a created container kills its init', async (t) => {
  const { R, bundle, id } = container(t);
  t.equal(R('create', '--bundle', bundle, id).status, 0);
  t.equal(R('delete', id).status, 0);
  t.equal(R('list', '-q').stdout, '');
});

t.test('kill KILL of a container without its own PID namespace kills every process in its cgroup', async (t) => {
  // With a PID namespace the kernel ends the others with the init; without one, as runc,
  // SIGKILL goes to the whole cgroup. Other signals still go to the init only.
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'trap "" TERM; sleep 300 & sleep 301 & wait'];
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  const id = newId('nopidns');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  t.equal(R('run', '--detach', '--bundle', bundle, id).status, 0);
  let pids: number[] = [];
  for (let i = 0; i < 100 && pids.length < 3; i++, await sleep(20)) pids = JSON.parse(R('ps', '--format', 'json', id).stdout) ?? [];
  t.equal(pids.length, 3, 'the shell and its two sleeps');
  const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  t.equal(R('kill', id, 'TERM').status, 0);
  await sleep(200);
  t.same(pids.filter(alive), pids, 'TERM reaches the init only, which ignores it');
  t.equal(R('kill', id, 'KILL').status, 0);
  for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(20);
  t.same(pids.filter(alive), [], 'KILL ended every process');
  t.equal(JSON.parse(R('state', id).stdout).status, 'stopped');
});

t.test('kill accepts numbers and names with or without SIG', async (t) => {
  const { R, bundle, id } = container(t, ['sh', '-c', 'trap "" USR1 USR2 HUP; sleep 300 & wait']);
  t.equal(R('run', '--detach', '--bundle', bundle, id).status, 0);
  for (const sig of ['10', 'USR1', 'SIGUSR2', 'hup']) t.equal(R('kill', id, sig).status, 0, sig);
  const r = R('kill', id, 'NOPE');
  t.equal(r.status, 1);
  t.match(r.stderr, /unknown signal/);
  t.equal(JSON.parse(R('state', id).stdout).status, 'running');
});

t.test('list shows containers as table and JSON', async (t) => {
  const { R, bundle, id } = container(t);
  t.equal(R('create', '--bundle', bundle, id).status, 0);
  const json = JSON.parse(R('list', '--format', 'json').stdout);
  t.equal(json.length, 1);
  t.equal(json[0].id, id);
  t.equal(json[0].status, 'created');
  t.equal(json[0].owner, 'root');
  t.match(R('list').stdout, new RegExp(`^ID\\s+PID\\s+STATUS\\s+BUNDLE\\s+CREATED\\s+OWNER\\n${id}\\s+\\d+\\s+created\\s+`));
});

t.test('the container gets only stdio and the preserved fds', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { s.process!.args = ['sh', '-c', 'ls /proc/self/fd; cat <&3; echo "$LISTEN_FDS"']; });
  const file = join(tempDir(t), 'data');
  writeFileSync(file, 'from fd 3\n');
  const fd = openSync(file, 'r');
  t.teardown(() => closeSync(fd));
  const child = spawn(...withoutTap(OCIRT, ['--root', root, 'run', '--preserve-fds', '1', '--bundle', bundle, newId('fds')]),
    { stdio: ['ignore', 'pipe', 'pipe', fd] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise((res) => child.on('exit', res));
  t.equal(code, 0, err);
  const lines = out.split('\n');
  // ls lists 0 1 2 3 and the fd of the directory it reads.
  t.same(lines.slice(0, 4), ['0', '1', '2', '3'], 'fds 0-3 present');
  t.ok(lines.indexOf('from fd 3') <= 5, 'no runtime fd beyond the one ls itself opens');
  t.ok(out.includes('from fd 3'), 'fd 3 is the preserved file');
});

t.test('--debug logs every init step with its duration', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const log = join(tempDir(t), 'debug.json');
  const r = ocirt(['--root', root, '--debug', '--log', log, '--log-format', 'json', 'run', '--bundle', join(REPO, 'bundles/hello'), newId('dbg')]);
  t.equal(r.status, 0, r.stderr);
  const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const msgs = entries.map((e) => e.msg as string);
  for (const step of ['unshare namespaces', 'prepare rootfs', 'enter rootfs', 'look up executable']) {
    t.ok(msgs.some((m) => m.includes(step)), `logged: ${step}`);
  }
  t.ok(entries.filter((e) => e.level === 'debug').every((e) => /ms$/.test(e.duration)), 'each with a duration');
});

t.test('concurrent commands on one container leave a valid state', async (t) => {
  const { R, bundle, id, root } = container(t);
  t.equal(R('run', '-d', '--bundle', bundle, id).status, 0);
  const run = (args: string[]) => new Promise<{ code: number | null; out: string }>((res) => {
    const c = spawn(...withoutTap(OCIRT, ['--root', root, ...args]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => res({ code, out }));
  });
  const jobs: Promise<{ code: number | null; out: string }>[] = [];
  for (let i = 0; i < 10; i++) jobs.push(run(['state', id]), run(['kill', id, '0']));
  jobs.push(run(['delete', '--force', id]));
  const results = await Promise.all(jobs);
  for (const r of results) {
    if (r.out) t.doesNotThrow(() => JSON.parse(r.out), 'every state output is whole JSON');
  }
  t.equal(R('list', '-q').stdout, '', 'the container is gone');
  t.same(findCgroupDirs(id), []);
});
