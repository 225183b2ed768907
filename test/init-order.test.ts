// The init's order, as runc's: everything that can fail (user, groups, capabilities, the
// fd sweep, a filter without no_new_privs, the cwd) happens before `create` returns, so
// `create` reports it and leaves nothing behind. After `start` the init only runs the
// startContainer hooks, loads a no_new_privs filter and execs, even though it already
// runs as the container's user with the container's capabilities.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

import { setTimeout as sleep } from 'node:timers/promises';
let serial = 0;
const newId = (tag: string) => `init-order-${tag}-${process.pid}-${serial++}`;

/** /proc/<pid>/status fields of a process. */
function status(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  }));
}

function stateOf(root: string, id: string): { status: string; pid: number } | undefined {
  const r = ocirt(['--root', root, 'state', id]);
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

/** Nothing of `id` is left: no state dir, no cgroup, no process naming it. */
type Asserts = Pick<typeof t, 'notOk' | 'same' | 'equal'>;

function assertNothingLeft(t: Asserts, root: string, id: string, cgroupsPath: string): void {
  t.notOk(existsSync(join(root, id)), `${id}: no state dir`);
  t.same(findCgroupDirs(cgroupsPath.split('/').pop()!), [], `${id}: no cgroup`);
  t.same(processesWith(id), [], `${id}: no process`);
  t.equal(stateOf(root, id), undefined, `${id}: state says it does not exist`);
}

// delete removes each container's cgroup; their common parent, made on the way (as runc
// makes it), is this file's to remove.
t.teardown(() => {
  for (const dir of findCgroupDirs('ocirt-test')) {
    try {
      rmdirSync(dir);
    } catch { /* not empty: a container was left, which its own test reports */ }
  }
});

function withCgroup(id: string, patch: (s: Spec) => void): (s: Spec) => void {
  return (s) => {
    s.linux = { ...s.linux, cgroupsPath: `/ocirt-test/${id}` };
    patch(s);
  };
}

t.test('a created container already runs as the container user, and still waits for start', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('user');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const bundle = makeBundle(t, withCgroup(id, (s) => {
    s.process!.args = ['sleep', '300'];
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
  }));
  const created = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.equal(created.status, 0, created.stderr);
  const st = stateOf(root, id)!;
  t.equal(st.status, 'created');
  // Credentials and capabilities are applied before create returned.
  const init = status(st.pid);
  t.match(init.Uid, /^1000\s+1000\s+1000\s+1000$/, 'uid dropped before start');
  t.match(init.Gid, /^1000\s+1000\s+1000\s+1000$/);
  t.equal(init.CapEff, '0000000000000020', 'only CAP_KILL before start');
  t.equal(init.CapBnd, '0000000000000020');
  t.equal(init.Seccomp, '0', 'no filter without one in the config');

  const ps = ocirt(['--root', root, 'ps', '--format', 'json', id]);
  t.same(JSON.parse(ps.stdout), [st.pid], 'ps lists the waiting init');

  const started = ocirt(['--root', root, 'start', id]);
  t.equal(started.status, 0, started.stderr);
  // start returns once the program is exec'd: the init is sleep now.
  t.equal(readFileSync(`/proc/${st.pid}/cmdline`, 'utf8'), 'sleep\x00300\x00');
  t.equal(stateOf(root, id)?.status, 'running');
  t.equal(ocirt(['--root', root, 'delete', '--force', id]).status, 0);
  assertNothingLeft(t, root, id, `/ocirt-test/${id}`);
});

t.test('signals still end a created container whose init dropped its privileges', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  for (const sig of ['TERM', 'INT', 'KILL']) {
    const id = newId('sig');
    t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
    const bundle = makeBundle(t, withCgroup(id, (s) => {
      s.process!.args = ['sleep', '300'];
      s.process!.user = { uid: 1000, gid: 1000 };
    }));
    t.equal(ocirt(['--root', root, 'create', '--bundle', bundle, id]).status, 0);
    t.equal(ocirt(['--root', root, 'kill', id, sig]).status, 0);
    let st = stateOf(root, id);
    for (let i = 0; i < 100 && st?.status !== 'stopped'; i++) {
      await sleep(50);
      st = stateOf(root, id);
    }
    t.equal(st?.status, 'stopped', `${sig}: stopped`);
    t.equal(ocirt(['--root', root, 'delete', id]).status, 0, `${sig}: delete`);
    assertNothingLeft(t, root, id, `/ocirt-test/${id}`);
  }
});

t.test('a capability the host cannot grant fails create, and nothing is left', async (t) => {
  const hostPermitted = BigInt(`0x${status(process.pid).CapPrm}`);
  if ((hostPermitted >> 24n) & 1n) throw new Error('this test needs a host whose root lacks CAP_SYS_RESOURCE');
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('cap');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const bundle = makeBundle(t, withCgroup(id, (s) => {
    s.process!.args = ['true'];
    const caps = ['CAP_KILL', 'CAP_SYS_RESOURCE'];
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
  }));
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /unable to apply caps: capset: EPERM/);
  assertNothingLeft(t, root, id, `/ocirt-test/${id}`);
});

t.test('a cwd under /proc that is missing fails create within seconds, and nothing is left', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  for (const cwd of ['/proc/nonexistent', '/proc/self/fd/21']) {
    const id = newId('cwd');
    t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
    const bundle = makeBundle(t, withCgroup(id, (s) => {
      s.process!.args = ['true'];
      s.process!.cwd = cwd;
    }));
    const t0 = Date.now();
    const r = ocirt(['--root', root, 'create', '--bundle', bundle, id], { timeout: 20_000 });
    const ms = Date.now() - t0;
    t.equal(r.status, 1, `${cwd}: ${r.stderr}`);
    t.ok(ms < 10_000, `${cwd}: answered in ${ms} ms`);
    // An fd 21 open in the init (close-on-exec, never the process's) is a real path: the cwd then
    // resolves to where it points, and the CVE-2024-21626 check refuses it, naming the cwd.
    const refused = r.stderr.includes(`refusing to create cwd ${cwd} under /proc: stat ${cwd}: ENOENT`)
      || (r.stderr.includes('possible container breakout detected (cwd ') && r.stderr.includes(cwd));
    t.ok(refused, `${cwd}: path and errno`);
    assertNothingLeft(t, root, id, `/ocirt-test/${id}`);
  }
});

t.test('a missing cwd elsewhere is created, as the container user may then use it', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('mkcwd');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const bundle = makeBundle(t, withCgroup(id, (s) => {
    s.root!.readonly = false;
    s.mounts = [...(s.mounts ?? []), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] }];
    s.process!.args = ['pwd'];
    s.process!.cwd = '/run/a/../b/c';
  }));
  const r = ocirt(['--root', root, 'run', '--bundle', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '/run/b/c\n');
});

t.test('a cwd through one of the init\'s own fds to a host directory is refused (CVE-2024-21626)', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  // Find the fd where a waiting init keeps the host's /proc (to reopen exec.fifo after pivot_root).
  const probeId = newId('fds');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', probeId]); });
  const probe = makeBundle(t, withCgroup(probeId, (s) => void (s.process!.args = ['true'])));
  t.equal(ocirt(['--root', root, 'create', '--bundle', probe, probeId]).status, 0);
  const pid = stateOf(root, probeId)!.pid;
  const hostProc = statSync('/proc');
  const fd = readdirSync(`/proc/${pid}/fd`).map(Number).find((n) => {
    try {
      const st = statSync(`/proc/${pid}/fd/${n}`);
      return st.isDirectory() && st.dev === hostProc.dev && st.ino === hostProc.ino;
    } catch {
      return false;
    }
  });
  ocirt(['--root', root, 'delete', '--force', probeId]);
  if (fd === undefined) throw new Error('the init keeps no fd of the host /proc: this test needs another host directory fd');

  const id = newId('cve');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const bundle = makeBundle(t, withCgroup(id, (s) => {
    s.process!.args = ['sh', '-c', 'pwd; ls'];
    s.process!.cwd = `/proc/self/fd/${fd}`;
  }));
  const r = ocirt(['--root', root, 'create', '--bundle', bundle, id]);
  t.equal(r.status, 1, 'create fails');
  t.match(r.stderr, /current working directory is outside of container mount namespace root -- possible container breakout detected/);
  assertNothingLeft(t, root, id, `/ocirt-test/${id}`);
});
