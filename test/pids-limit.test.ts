// A small pids limit must work as with runc, though the init and exec init are Node,
// with several threads each: they join the pids hierarchy only just before their
// execve (src/cgroups/self-join.ts), so none of their threads is ever counted, and a
// container with a new cgroup namespace still sees its own pids cgroup as its root.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, withoutTap, findCgroupDirs } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

const PIDS = '/sys/fs/cgroup/pids';

type Runtime = (...args: string[]) => ReturnType<typeof ocirt>;

/** Creates `id`, a container that sleeps, under a pids limit; deleted at the test's end. */
function createSleeping(t: Test, R: Runtime, limit: number, id: string): void {
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    s.linux!.resources = { pids: { limit } };
  });
  t.teardown(() => { R('delete', '--force', id); });
  const c = R('create', '--bundle', bundle, id);
  t.equal(c.status, 0, c.stderr);
}

for (const limit of [5, 10]) {
  t.test(`pids.limit ${limit}: run of a shell that runs a command, then exec into a container`, async (t) => {
    const root = tempDir(t, 'ocirt-root-');
    const R = (...a: string[]) => ocirt(['--root', root, ...a], { timeout: 90_000 });
    const once = makeBundle(t, (s) => {
      s.process!.args = ['sh', '-c', 'echo ran; ls / | wc -l; cat /proc/self/cgroup'];
      s.linux!.resources = { pids: { limit } };
      s.linux!.namespaces!.push({ type: 'cgroup' });
    });
    const id = `pids${limit}-${process.pid}`;
    t.teardown(() => { R('delete', '--force', id); });
    const r = R('run', '--bundle', once, id);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^ran\n\d+\n/, 'the shell ran its command');
    t.match(r.stdout, /^\d+:pids:\/$/m, 'the cgroup namespace is rooted at the container\'s pids cgroup');

    const lid = `pids${limit}-long-${process.pid}`;
    createSleeping(t, R, limit, lid);
    t.equal(readFileSync(join(PIDS, lid, 'pids.current'), 'utf8'), '0\n', 'the created init is not counted');
    const s = R('start', lid);
    t.equal(s.status, 0, s.stderr);
    t.equal(readFileSync(join(PIDS, lid, 'pids.current'), 'utf8'), '1\n', 'the container\'s process is counted');
    for (let i = 0; i < 3; i++) {
      const e = R('exec', lid, 'sh', '-c', 'echo in; ls / | wc -l; cat /proc/self/cgroup');
      t.equal(e.status, 0, `exec ${i}: ${e.stderr}`);
      t.match(e.stdout, /^in\n\d+\n/, `exec ${i} ran its shell and command`);
      t.match(e.stdout, new RegExp(`^\\d+:pids:/${lid}$`, 'm'), `exec ${i} runs in the container's pids cgroup`);
    }
    const d = R('delete', '--force', lid);
    t.equal(d.status, 0, d.stderr);
    t.same(findCgroupDirs(lid), [], 'no cgroup left');
  });
}

t.test('a detached run with pids.limit 5 returns and its exec works', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const R = (...a: string[]) => ocirt(['--root', root, ...a], { timeout: 90_000 });
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    s.linux!.resources = { pids: { limit: 5 } };
  });
  const id = `pids5-d-${process.pid}`;
  t.teardown(() => { R('delete', '--force', id); });
  const errFile = join(tempDir(t), 'run.err');
  const err = openSync(errFile, 'w');
  const d = spawnSync(...withoutTap(OCIRT, ['--root', root, 'run', '--detach', '--bundle', bundle, id]), { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
  closeSync(err);
  t.equal(d.status, 0, readFileSync(errFile, 'utf8'));
  const e = R('exec', id, 'sh', '-c', 'echo a | cat; echo b | cat');
  t.equal(e.status, 0, e.stderr);
  t.equal(e.stdout, 'a\nb\n');
  t.equal(R('delete', '--force', id).status, 0);
  t.notOk(existsSync(join(PIDS, id)), 'cgroup removed');
});

// Under no limit, or one that leaves the init's threads room, the runtime moves the init into
// pids at create with every other hierarchy: a second move of its own at start would wait for
// another RCU grace period on start's path. Exec inits follow the room left in the cgroup.
t.test('the init joins pids at create under a limit of 64 and at start under 63; exec inits by the room left', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const R = (...a: string[]) => ocirt(['--root', root, ...a], { timeout: 90_000 });
  const inPids = (pid: number, id: string) => new RegExp(`^\\d+:pids:/${id}$`, 'm').test(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  for (const limit of [64, 63]) {
    const id = `pids${limit}-join-${process.pid}`;
    createSleeping(t, R, limit, id);
    const pid = JSON.parse(R('state', id).stdout).pid as number;
    const current = Number(readFileSync(join(PIDS, id, 'pids.current'), 'utf8'));
    if (limit === 64) {
      t.ok(inPids(pid, id), 'limit 64: the created init is in the pids cgroup');
      t.ok(current >= 1, `limit 64: its threads are counted (${current})`);
    } else {
      t.notOk(inPids(pid, id), 'limit 63: the created init is not in the pids cgroup yet');
      t.equal(current, 0, 'limit 63: nothing counted before start');
    }
    t.equal(R('start', id).status, 0);
    t.ok(inPids(pid, id), `limit ${limit}: the started process is in the pids cgroup`);
    t.equal(readFileSync(join(PIDS, id, 'pids.current'), 'utf8'), '1\n', `limit ${limit}: one task once started`);
    const e = R('exec', id, 'cat', '/proc/self/cgroup');
    t.equal(e.status, 0, e.stderr);
    t.match(e.stdout, new RegExp(`^\\d+:pids:/${id}$`, 'm'), `limit ${limit}: exec runs in the pids cgroup`);
    t.equal(R('delete', '--force', id).status, 0);
  }
});
