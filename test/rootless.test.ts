// Rootless containers: ocirt run by the unprivileged user `ocirt-test` (with
// `ocirt-test:200000:65536` in /etc/subuid and /etc/subgid) on a bundle made by
// `ocirt spec --rootless`, with its state under $XDG_RUNTIME_DIR/ocirt. Its own ids are
// mapped directly, subordinate ranges through newuidmap/newgidmap, a map it may not write
// is refused before anything exists, and its cgroup is passed over without a delegated
// hierarchy and used with one.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import {
  accessSync, appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync,
  rmSync, statSync, writeFileSync, constants as fsc,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCIRT, REPO, ROOTFS, TEST_USER, ensureRootfs, ensureTestUser, findCgroupDirs, makeCheckoutReachableByTestUser, ocirt, requireRoot, tempDir, type Result, isAlive } from './helpers.js';
import { detectCgroupLayout } from '../src/cgroups/layout.js';
import { sleepSync } from '../src/sleep.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

const USER = TEST_USER;
const { uid: UID, gid: GID } = ensureTestUser();
makeCheckoutReachableByTestUser({ uid: UID, gid: GID });
accessSync('/usr/bin/newuidmap', fsc.X_OK);
accessSync('/usr/bin/newgidmap', fsc.X_OK);

/** A temp dir owned by the test user, mode 0700: its XDG_RUNTIME_DIR. */
function userRuntimeDir(t: Test): string {
  const dir = tempDir(t, 'ocirt-rootless-xdg-');
  chownSync(dir, UID, GID);
  chmodSync(dir, 0o700);
  return dir;
}

interface AsUser {
  xdg: string;
  /** ocirt as the test user, with HOME and XDG_RUNTIME_DIR only, and no --root. */
  R: (...args: string[]) => Result;
}

function asTestUser(t: Test): AsUser {
  const xdg = userRuntimeDir(t);
  const R = (...args: string[]) => ocirt(args, { uid: UID, gid: GID, cwd: xdg, env: { HOME: xdg, XDG_RUNTIME_DIR: xdg } });
  return { xdg, R };
}

let n = 0;
const newId = (what: string) => `rootless-${what}-${process.pid}-${++n}`;

/** A bundle whose config is `ocirt spec --rootless` run by the test user, then `patch`ed, over the shared rootfs. */
function rootlessBundle(t: Test, u: AsUser, patch: (s: Spec) => void): string {
  const dir = tempDir(t, 'ocirt-rootless-bundle-');
  chownSync(dir, UID, GID);
  chmodSync(dir, 0o755);
  const r = u.R('spec', '--rootless', '--bundle', dir);
  if (r.status !== 0) throw new Error(`ocirt spec --rootless: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
  spec.root = { path: ROOTFS, readonly: true };
  spec.process!.terminal = false;
  patch(spec);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** A container of the test user's, force-deleted at the end. */
function container(t: Test, args: string[], patch: (s: Spec) => void = () => {}) {
  const u = asTestUser(t);
  const bundle = rootlessBundle(t, u, (s) => { s.process!.args = args; patch(s); });
  const id = newId('c');
  t.teardown(() => { u.R('delete', '--force', id); });
  return { ...u, bundle, id, stateDir: join(u.xdg, 'ocirt', id) };
}

function statusField(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1] ?? '';
}


/**
 * Processes of `uid` in a user namespace other than ours (a holder, an init), but for those
 * of rootless Podman (test/podman-rootless.test.ts, run beside this one as the same user):
 * its pause process, catatonit, holds each of its user namespaces.
 */
function processesInOtherUserNamespaces(uid: number): number[] {
  const ours = readlinkSync('/proc/self/ns/user');
  const userNs = (p: number) => readlinkSync(`/proc/${p}/ns/user`);
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try {
      return statusField(p, 'Uid').split(/\s+/)[0] === String(uid) && userNs(p) !== ours;
    } catch {
      return false;
    }
  });
  const podmans = new Set(pids.flatMap((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'catatonit' ? [userNs(p)] : [];
    } catch {
      return [];
    }
  }));
  return pids.filter((p) => {
    try {
      return !podmans.has(userNs(p));
    } catch {
      return false;
    }
  });
}

/** Waits (bounded) until the container's status is `want`. */
function waitForStatus(R: AsUser['R'], id: string, want: string): string {
  let status = '';
  for (let i = 0; i < 100; i++) {
    status = JSON.parse(R('state', id).stdout || '{}').status;
    if (status === want) break;
    sleepSync(50);
  }
  return status;
}

t.test('spec --rootless writes what runc spec --rootless writes for the same user', async (t) => {
  const u = asTestUser(t);
  const ours = rootlessBundle(t, u, () => {});
  const theirs = tempDir(t, 'ocirt-rootless-runc-');
  chownSync(theirs, UID, GID);
  const r = spawnSync('/usr/sbin/runc', ['spec', '--rootless', '--bundle', theirs], { uid: UID, gid: GID, env: {}, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const normal = (s: Spec) => {
    // Our own name and spec version; runc 1.1's example also lists ambient capabilities, which ours never has.
    const { ociVersion: _v, hostname: _h, root: _r, ...rest } = s;
    delete rest.process!.capabilities!.ambient;
    delete rest.process!.terminal;
    delete rest.process!.args;
    return rest;
  };
  const runcSpec = JSON.parse(readFileSync(join(theirs, 'config.json'), 'utf8')) as Spec;
  const ourSpec = JSON.parse(readFileSync(join(ours, 'config.json'), 'utf8')) as Spec;
  t.same(ourSpec.linux!.uidMappings, [{ containerID: 0, hostID: UID, size: 1 }], 'the caller\'s uid is root inside');
  t.same(ourSpec.linux!.gidMappings, [{ containerID: 0, hostID: GID, size: 1 }]);
  t.same(normal(ourSpec), normal(runcSpec));
});

t.test('the rootless bundle under runc, run by the same user, shows what ocirt shows', async (t) => {
  const script = [
    'id -u; id -g; id -G', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups', 'echo $$', 'hostname',
    'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status', 'ls /proc/self/fd | tr "\\n" " "; echo',
    'test -c /dev/null && echo devnull', 'touch /tmp/x 2>&1 || echo ro-rootfs',
  ].join('; ');
  const { R, bundle, id, xdg } = container(t, ['sh', '-c', script]);
  const ours = R('run', '--bundle', bundle, id);
  t.equal(ours.status, 0, ours.stderr);
  const runcId = `${id}-runc`;
  const runc = (...args: string[]) => spawnSync('/usr/sbin/runc', ['--root', join(xdg, 'runc'), ...args],
    { uid: UID, gid: GID, cwd: xdg, env: { HOME: xdg, XDG_RUNTIME_DIR: xdg }, encoding: 'utf8', timeout: 60_000 });
  t.teardown(() => { runc('delete', '--force', runcId); });
  const theirs = runc('run', '--bundle', bundle, runcId);
  t.equal(theirs.status, 0, theirs.stderr);
  t.match(ours.stdout, /^0\n0\n/, 'root inside');
  t.equal(ours.stdout, theirs.stdout, 'ids, maps, setgroups, PID 1, hostname, capabilities, fds, /dev and the read-only rootfs as runc');
});

t.test('single-id map, written directly: root inside is the caller, with /proc, /dev, the host\'s /sys and no leaked fds', async (t) => {
  const { R, bundle, id, xdg, stateDir } = container(t, ['sh', '-c', [
    'id -u; id -g', 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups', 'echo $$',
    'ls /proc/self/fd | tr "\\n" " "; echo', 'test -c /dev/null && echo devnull',
    'grep -E "^[^ ]+ /sys " /proc/self/mounts',
  ].join('; ')]);
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  t.equal(lines[0], '0', 'uid 0 inside');
  t.equal(lines[1], '0', 'gid 0 inside');
  t.same(lines[2]!.trim().split(/\s+/).map(Number), [0, UID, 1], 'uid_map: the caller\'s uid, once');
  t.same(lines[3]!.trim().split(/\s+/).map(Number), [0, GID, 1]);
  t.equal(lines[4], 'deny', 'setgroups denied (the kernel requires it for an unprivileged gid_map)');
  t.equal(lines[5], '1', 'PID 1 of its own PID namespace');
  t.equal(lines[6]!.trim(), '0 1 2 3', 'stdio and ls\'s own directory fd only');
  t.equal(lines[7], 'devnull', '/dev/null bound from the host');
  t.match(lines[8], /^sysfs \/sys sysfs ro,/, 'no network namespace: the host\'s /sys, read-only');
  t.equal(R('list', '-q').stdout, '', 'run deleted the container');
  t.ok(existsSync(join(xdg, 'ocirt')), 'the default root is $XDG_RUNTIME_DIR/ocirt');
  t.equal(statSync(join(xdg, 'ocirt')).uid, UID);
  t.notOk(existsSync(stateDir));
  t.same(findCgroupDirs(id), [], 'no cgroup made (none delegated)');
});

t.test('a sysfs mount, which the kernel refuses without a network namespace, becomes the host\'s /sys bound read-only', async (t) => {
  const { R, bundle, id } = container(t, ['sh', '-c', 'grep -E "^[^ ]+ /sys " /proc/self/mounts; ls /sys/class/net | wc -l'], (s) => {
    s.mounts = s.mounts!.map((m) => m.destination === '/sys' ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] } : m);
  });
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^sysfs \/sys sysfs ro,/);
  t.ok(Number(r.stdout.trim().split('\n').at(-1)) > 1, 'the host\'s network devices');
});

t.test('range maps through newuidmap/newgidmap: uid 1000 inside writes files as 200999 on the host', async (t) => {
  const shared = tempDir(t, 'ocirt-rootless-shared-');
  chownSync(shared, 200999, 200999);
  chmodSync(shared, 0o755);
  const map = (own: number) => [{ containerID: 0, hostID: own, size: 1 }, { containerID: 1, hostID: 200000, size: 65536 }];
  const { R, bundle, id } = container(t, ['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /home/made'], (s) => {
    s.linux!.uidMappings = map(UID);
    s.linux!.gidMappings = map(GID);
    s.process!.user = { uid: 1000, gid: 1000 };
    s.mounts!.push({ destination: '/home', type: 'bind', source: shared, options: ['rbind', 'rw'] });
  });
  const r = R('run', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  t.same(lines.slice(0, 2), [[1000], [1000]]);
  t.same(lines.slice(2, 4), [[0, UID, 1], [1, 200000, 65536]], 'uid_map as configured');
  t.same(lines.slice(4, 6), [[0, GID, 1], [1, 200000, 65536]], 'gid_map as configured');
  const made = statSync(join(shared, 'made'));
  t.equal(made.uid, 200999, 'owned by 200000 + 999 on the host');
  t.equal(made.gid, 200999);
});

t.test('a map the caller may not write is refused at its JSON pointer, before anything exists', async (t) => {
  for (const [field, pointer] of [['uidMappings', '/linux/uidMappings/1'], ['gidMappings', '/linux/gidMappings/1']] as const) {
    const { R, bundle, id, stateDir } = container(t, ['true'], (s) => {
      s.linux![field] = [{ containerID: 0, hostID: field === 'uidMappings' ? UID : GID, size: 1 }, { containerID: 1, hostID: 300000, size: 10 }];
    });
    const before = processesInOtherUserNamespaces(UID);
    const r = R('create', '--bundle', bundle, id);
    t.equal(r.status, 1);
    t.match(r.stderr, new RegExp(`${pointer}: host [ug]ids 300000-300009 may not be mapped by [ug]id \\d+: neither its own [ug]id nor within its ranges in /etc/sub[ug]id \\(200000-265535\\)`));
    t.notOk(existsSync(stateDir), 'no state directory');
    t.same(findCgroupDirs(id), [], 'no cgroup');
    t.same(processesInOtherUserNamespaces(UID), before, 'no holder, no init');
  }
});

t.test('create, state, exec, kill, delete; the waiting init is out of the container\'s reach; hooks run', async (t) => {
  const hookDir = tempDir(t, 'ocirt-rootless-hook-');
  chownSync(hookDir, UID, GID);
  const { R, bundle, id, stateDir } = container(t, ['sleep', '300'], (s) => {
    s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `cat > ${hookDir}/state.json`] }] };
  });
  let r = R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'created');
  const pid = state.pid as number;
  t.equal(statusField(pid, 'Uid').split(/\s+/)[0], String(UID), 'the init runs as the caller');
  t.ok(existsSync(stateDir), 'state under $XDG_RUNTIME_DIR/ocirt');
  t.equal(JSON.parse(readFileSync(join(hookDir, 'state.json'), 'utf8')).id, id, 'the createRuntime hook got the state');
  // The container's root is the caller on the host: the init, started from an executable
  // the caller cannot read, is not dumpable, so neither can reach it.
  const peek = spawnSync('/bin/cat', [`/proc/${pid}/environ`], { uid: UID, gid: GID, encoding: 'utf8' });
  t.not(peek.status, 0, 'the init\'s environ is closed to the caller');
  t.match(peek.stderr, /Permission denied/);
  t.equal(statSync(`/proc/${pid}/environ`).uid, 0, 'the init is non-dumpable');
  t.not(spawnSync('/bin/readlink', [`/proc/${pid}/exe`], { uid: UID, gid: GID }).status, 0, 'its exe link is closed to the caller');

  t.equal(R('start', id).status, 0);
  t.equal(waitForStatus(R, id, 'running'), 'running');
  r = R('exec', id, 'sh', '-c', 'id -u; echo $$');
  t.equal(r.status, 0, r.stderr);
  const [uid, execPid] = r.stdout.trim().split('\n');
  t.equal(uid, '0');
  t.ok(Number(execPid) > 1, 'in the container\'s PID namespace');
  t.equal(R('exec', id, 'sh', '-c', 'exit 3').status, 3, 'exec exits with the process\'s status');
  const pidFile = join(hookDir, 'exec.pid');
  r = R('exec', '-d', '--pid-file', pidFile, id, 'sleep', '100');
  t.equal(r.status, 0, r.stderr);
  const detached = Number(readFileSync(pidFile, 'utf8'));
  t.equal(statusField(detached, 'NSpid').split(/\s+/).length, 2, 'the pid file names the process, which is in the container\'s PID namespace');
  t.equal(readlinkSync(`/proc/${detached}/ns/pid`), readlinkSync(`/proc/${pid}/ns/pid`));
  t.notMatch(readFileSync(`/proc/${statusField(detached, 'PPid')}/cmdline`, 'utf8'), /nsenter/, 'no nsenter left waiting for it');
  t.same(JSON.parse(R('list', '--format', 'json').stdout).map((c: { id: string }) => c.id), [id], 'list sees the caller\'s root');

  t.equal(R('kill', id, 'KILL').status, 0);
  t.equal(waitForStatus(R, id, 'stopped'), 'stopped');
  r = R('delete', id);
  t.equal(r.status, 0, r.stderr);
  t.notOk(existsSync(stateDir), 'no state directory');
  t.notOk(isAlive(pid), 'no process');
  t.notOk(isAlive(detached), 'the exec\'d process ended with the container');
});

t.test('--rootless: auto and true pass over cgroups the caller may not make, false does not; limits need a cgroup', async (t) => {
  for (const flag of ['--rootless=auto', '--rootless=true', '--rootless=1']) {
    const { R, bundle, id } = container(t, ['true']);
    const r = R(flag, 'run', '--bundle', bundle, id);
    t.equal(r.status, 0, `${flag}: ${r.stderr}`);
  }
  {
    const { R, bundle, id, stateDir } = container(t, ['true']);
    const r = R('--rootless=false', 'run', '--bundle', bundle, id);
    t.equal(r.status, 1);
    t.match(r.stderr, /mkdir \/sys\/fs\/cgroup\/\S+: EACCES/);
    t.notOk(existsSync(stateDir), 'nothing left');
  }
  {
    const { R, bundle, id, stateDir } = container(t, ['true'], (s) => { s.linux!.resources = { pids: { limit: 10 } }; });
    const r = R('run', '--bundle', bundle, id);
    t.equal(r.status, 1);
    t.match(r.stderr, /cannot set (pids )?limits?: /);
    t.notOk(existsSync(stateDir), 'nothing left');
    t.same(findCgroupDirs(id), []);
  }
  {
    const { R, bundle, id } = container(t, ['true']);
    const r = R('--rootless=maybe', 'run', '--bundle', bundle, id);
    t.equal(r.status, 1);
    t.match(r.stderr, /invalid value for --rootless: \\?"maybe\\?"/);
  }
});

t.test('with a delegated cgroup the container lands in it and its pids limit applies', async (t) => {
  // The hierarchy with the pids controller: cgroup2 when it has it, else v1's pids.
  const layout = detectCgroupLayout();
  const v2 = layout.hierarchies.find((h) => h.version === 2 && readFileSync(join(h.mountPoint, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids'));
  const h = v2 ?? layout.hierarchies.find((x) => x.version === 1 && x.controllers.includes('pids'));
  if (!h) throw new Error('no hierarchy with the pids controller on this host');
  const delegated = join(h.mountPoint, `ocirt-rootless-${process.pid}`);
  // The runtime sits in a leaf below the delegated cgroup; on cgroup2 the container's cgroup is its sibling.
  const leaf = join(delegated, 'runtime');
  mkdirSync(leaf, { recursive: true });
  t.teardown(() => {
    for (const dir of [leaf, delegated]) {
      for (let i = 0; i < 50 && existsSync(dir); i++) {
        try {
          rmdirSync(dir);
        } catch {
          sleepSync(20);
        }
      }
    }
  });
  const files = v2 ? ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'] : ['cgroup.procs', 'tasks'];
  for (const dir of [delegated, leaf]) {
    chownSync(dir, UID, GID);
    for (const f of files) chownSync(join(dir, f), UID, GID);
  }
  if (v2) {
    writeFileSync(join(h.mountPoint, 'cgroup.subtree_control'), '+pids');
    writeFileSync(join(delegated, 'cgroup.subtree_control'), '+pids');
  }
  const xdg = userRuntimeDir(t);
  const u: AsUser = { xdg, R: (...args) => runFromCgroup(leaf, xdg, args) };
  const bundle = rootlessBundle(t, u, (s) => {
    s.process!.args = ['sleep', '300'];
    s.linux!.resources = { pids: { limit: 5 } };
  });
  const id = newId('deleg');
  t.teardown(() => { u.R('delete', '--force', id); });
  let r = u.R('create', '--bundle', bundle, id);
  t.equal(r.status, 0, r.stderr);
  const dir = join(v2 ? delegated : leaf, id);
  t.ok(existsSync(dir), `the container's cgroup ${dir} is in the delegated subtree`);
  t.equal(readFileSync(join(dir, 'pids.max'), 'utf8').trim(), '5');
  const pid = JSON.parse(u.R('state', id).stdout).pid as number;
  r = u.R('start', id);
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)), 'the container\'s process is in it');
  r = u.R('exec', id, 'sh', '-c', 'i=0; while [ $i -lt 8 ]; do sleep 30 & i=$((i+1)); done; echo started $i');
  t.match(r.stderr, /can't fork/, 'forks beyond the limit fail');
  t.equal(u.R('delete', '--force', id).status, 0);
  t.notOk(existsSync(dir), 'delete removed it');
});

/** Runs ocirt as the test user from inside the cgroup `leaf` (every hierarchy but that one: wherever the caller is). */
function runFromCgroup(leaf: string, xdg: string, args: string[]): Result {
  const script = `echo $$ > ${leaf}/cgroup.procs && exec /usr/bin/setpriv --reuid=${UID} --regid=${GID} --clear-groups -- /usr/bin/env -i HOME=${xdg} XDG_RUNTIME_DIR=${xdg} "$@"`;
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-rootless-out-'));
  try {
    const out = join(dir, 'out');
    const err = join(dir, 'err');
    const r = spawnSync('/bin/sh', ['-c', `${script} >${out} 2>${err} </dev/null`, 'sh', OCIRT, ...args], { cwd: xdg, timeout: 60_000 });
    return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
