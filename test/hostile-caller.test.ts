// What the runtime's caller has must not reach the container, and what the container
// does must not break the runtime: an fd the caller leaked (not close-on-exec), the
// caller's own stdout and stderr files, signals the caller left ignored, and a
// container that signals every pid it can see while `exec` starts.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ocirt, OCIRT, REPO, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, withoutTap, type Result } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

let n = 0;
const newId = (what: string) => `hostile-${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';

/** A host directory with a marker file and a static busybox, for fd 200 to point at. */
function hostDir(t: Test): string {
  const dir = tempDir(t, 'ocirt-hostdir-');
  writeFileSync(join(dir, 'host-marker'), 'on the host\n');
  if (!existsSync('/bin/busybox')) throw new Error('this test needs /bin/busybox (busybox-static) on the host');
  copyFileSync('/bin/busybox', join(dir, 'busybox'));
  chmodSync(join(dir, 'busybox'), 0o755);
  return dir;
}

/**
 * Runs the CLI the way a careless caller does: with fd 200 open on `dir`, not
 * close-on-exec (a shell's `exec 200<dir`), and any extra shell `setup` first.
 * Output goes to temp files, as in helpers.ocirt.
 */
function leaky(dir: string, args: string[], setup = ''): Result {
  const out = tempFile('out');
  const err = tempFile('err');
  try {
    const script = `exec 200<"$0"; ${setup} exec "$@"`;
    const r = spawnSync('/bin/bash', ['-c', script, dir, ...withoutTap(OCIRT, args).flat()], {
      stdio: ['ignore', out.fd, err.fd], timeout: 60_000,
    });
    return { status: r.status, stdout: readFileSync(out.path, 'utf8'), stderr: readFileSync(err.path, 'utf8') };
  } finally {
    out.done();
    err.done();
  }
}

function tempFile(name: string): { path: string; fd: number; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-out-'));
  const path = join(dir, name);
  const fd = openSync(path, 'w+');
  return { path, fd, done: () => { closeSync(fd); rmSync(dir, { recursive: true, force: true }); } };
}

/** A bundle running `sh -c script` (or the given args), with the sample's other settings. */
function bundleFor(t: Test, script: string | string[], patch: (s: Spec) => void = () => {}): string {
  return makeBundle(t, (s) => {
    s.process!.args = typeof script === 'string' ? ['sh', '-c', script] : script;
    delete s.process!.capabilities!.ambient;
    patch(s);
  });
}

/** Nothing of container `id` is left: no state dir, no cgroup, no process. */
function assertGone(t: Test, root: string, id: string): void {
  t.notOk(existsSync(join(root, id)), 'no state dir is left');
  t.same(findCgroupDirs(id), [], 'no cgroup is left');
  t.same(processesWith(id), [], 'no process is left');
}

const FD200 = 'if [ -e /proc/self/fd/200 ]; then echo "fd200 LEAKED"; else echo "fd200 absent"; fi';

t.test('an fd the caller leaked does not reach the container: run', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('run');
  const r = leaky(dir, ['--root', root, 'run', '--bundle', bundleFor(t, FD200), id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'fd200 absent\n');
  assertGone(t, root, id);
});

t.test('an fd the caller leaked does not reach the init or the process: create and start', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('create');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const created = leaky(dir, ['--root', root, 'create', '--bundle', bundleFor(t, ['sleep', '300']), id]);
  t.equal(created.status, 0, created.stderr);
  const { pid } = JSON.parse(ocirt(['--root', root, 'state', id]).stdout) as { pid: number };
  // The init is a host process until start: the hole would be its fd 200.
  t.notOk(existsSync(`/proc/${pid}/fd/200`), 'the created init has no fd 200');
  const started = leaky(dir, ['--root', root, 'start', id]);
  t.equal(started.status, 0, started.stderr);
  let cmd = '';
  for (let i = 0; i < 100 && !cmd.startsWith('sleep'); i++) {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.startsWith('sleep')) await sleep(50);
  }
  t.match(cmd, /^sleep/, 'the process runs');
  t.notOk(existsSync(`/proc/${pid}/fd/200`), 'the process has no fd 200');
  t.equal(ocirt(['--root', root, 'delete', '--force', id]).status, 0);
  assertGone(t, root, id);
});

t.test('an fd the caller leaked does not reach the hooks: prestart, createRuntime, poststart, poststop', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const out = tempDir(t, 'ocirt-hooks-out-');
  const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `${FD200} > ${out}/${name}`] });
  const bundle = bundleFor(t, 'sleep 300', (s) => {
    s.hooks = { prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], poststart: [hook('poststart')], poststop: [hook('poststop')] };
  });
  const id = newId('hooks');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  // Each command by a caller holding fd 200: the hooks run by create, start and delete.
  for (const args of [['create', '--bundle', bundle, id], ['start', id], ['kill', id, 'KILL']]) {
    const r = leaky(dir, ['--root', root, ...args]);
    t.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
  }
  for (let i = 0; i < 100 && ocirt(['--root', root, 'state', id]).stdout.includes('"running"'); i++) await sleep(20);
  const d = leaky(dir, ['--root', root, 'delete', id]);
  t.equal(d.status, 0, `delete: ${d.stderr}`);
  for (const name of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
    t.equal(readFileSync(join(out, name), 'utf8'), 'fd200 absent\n', `${name} hook: no fd 200`);
  }
  assertGone(t, root, id);
});

t.test('an fd the caller leaked does not reach exec; cwd and args[0] through it fail', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('exec');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const ran = ocirt(['--root', root, 'run', '--detach', '--bundle', bundleFor(t, ['sleep', '300']), id]);
  t.equal(ran.status, 0, ran.stderr);

  const seen = leaky(dir, ['--root', root, 'exec', id, 'sh', '-c', FD200]);
  t.equal(seen.status, 0, seen.stderr);
  t.equal(seen.stdout, 'fd200 absent\n');

  const cwd = leaky(dir, ['--root', root, 'exec', '--cwd', '/proc/self/fd/200', id, 'cat', 'host-marker']);
  t.equal(cwd.status, 255, 'exec --cwd through the leaked fd fails');
  t.notMatch(cwd.stdout, /on the host/);
  t.match(cwd.stderr, /chdir to cwd \(\\"\/proc\/self\/fd\/200\\"\) set in config.json failed: no such file or directory/);

  const exe = leaky(dir, ['--root', root, 'exec', id, '/proc/self/fd/200/busybox', 'echo', 'HOST BINARY RAN']);
  t.equal(exe.status, 255, 'a host binary through the leaked fd is not found');
  t.notMatch(exe.stdout, /HOST BINARY RAN/);
  t.match(exe.stderr, /\/proc\/self\/fd\/200\/busybox.*no such file or directory/);
  t.same(processesWith('exec-main.js'), [], 'no exec init is left');
});

t.test('process.cwd and args[0] through a leaked fd fail in run, leaving nothing', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const cwdId = newId('cwd');
  const cwd = leaky(dir, ['--root', root, 'run', '--bundle', bundleFor(t, ['cat', 'host-marker'], (s) => { s.process!.cwd = '/proc/self/fd/200'; }), cwdId]);
  t.not(cwd.status, 0, 'run with cwd /proc/self/fd/200 fails');
  t.notMatch(cwd.stdout, /on the host/);
  t.match(cwd.stderr, /\/proc\/self\/fd\/200/);
  assertGone(t, root, cwdId);

  const exeId = newId('exe');
  const exe = leaky(dir, ['--root', root, 'run', '--bundle', bundleFor(t, ['/proc/self/fd/200/busybox', 'echo', 'HOST BINARY RAN']), exeId]);
  t.not(exe.status, 0, 'run of a host binary through fd 200 fails');
  t.notMatch(exe.stdout, /HOST BINARY RAN/);
  t.match(exe.stderr, /\/proc\/self\/fd\/200\/busybox/);
  assertGone(t, root, exeId);
});

t.test('--preserve-fds and LISTEN_FDS still pass, the leaked fd does not', async (t) => {
  const dir = hostDir(t);
  const root = tempDir(t, 'ocirt-root-');
  const check = `${FD200}; cat /proc/self/fd/3; cat /proc/self/fd/4 2>/dev/null || echo "no fd 4"`;
  const withFd3 = `exec 3<"$0/host-marker";`;

  const preserved = leaky(dir, ['--root', root, 'run', '--preserve-fds', '1', '--bundle', bundleFor(t, check), newId('pres')], withFd3);
  t.equal(preserved.status, 0, preserved.stderr);
  t.equal(preserved.stdout, 'fd200 absent\non the host\nno fd 4\n', 'fd 3 passes with --preserve-fds 1');

  // LISTEN_PID is the shell's pid, which the runtime keeps through exec.
  const listen = leaky(dir, ['--root', root, 'run', '--bundle', bundleFor(t, check), newId('listen')],
    `${withFd3} export LISTEN_FDS=1 LISTEN_PID=$$;`);
  t.equal(listen.status, 0, listen.stderr);
  t.equal(listen.stdout, 'fd200 absent\non the host\nno fd 4\n', 'fd 3 passes with LISTEN_FDS=1');

  const id = newId('execpres');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  t.equal(ocirt(['--root', root, 'run', '--detach', '--bundle', bundleFor(t, ['sleep', '300']), id]).status, 0);
  const exec = leaky(dir, ['--root', root, 'exec', '--preserve-fds', '1', id, 'sh', '-c', check], withFd3);
  t.equal(exec.status, 0, exec.stderr);
  t.equal(exec.stdout, 'fd200 absent\non the host\nno fd 4\n', 'exec --preserve-fds 1 passes fd 3');
});

/** Runs the CLI with stdout and stderr appended to `log` (a caller's log file). */
function withLog(log: string, args: string[], input?: string): number | null {
  const fd = openSync(log, 'a');
  try {
    return spawnSync(...withoutTap(OCIRT, args), { stdio: [input === undefined ? 'ignore' : 'pipe', fd, fd], input, timeout: 60_000 }).status;
  } finally {
    closeSync(fd);
  }
}

const PIPES = 'for i in 0 1 2; do echo "fd$i $(readlink /proc/self/fd/$i | cut -d: -f1)"; done; : > /proc/self/fd/1; : > /proc/self/fd/2; echo "after truncation"';

t.test('foreground run gives the container pipes, not the caller\'s log file', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const log = join(tempDir(t), 'caller.log');
  writeFileSync(log, 'caller line\n');
  const id = newId('pipes');
  t.equal(withLog(log, ['--root', root, 'run', '--bundle', bundleFor(t, PIPES), id]), 0);
  t.equal(readFileSync(log, 'utf8'), 'caller line\nfd0 pipe\nfd1 pipe\nfd2 pipe\nafter truncation\n', 'the log is intact');
  assertGone(t, root, id);
});

t.test('foreground exec gives the process pipes; stdin, output and status as before', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('execpipes');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  t.equal(ocirt(['--root', root, 'run', '--detach', '--bundle', bundleFor(t, ['sleep', '300']), id]).status, 0);
  const log = join(tempDir(t), 'caller.log');
  writeFileSync(log, 'caller line\n');
  t.equal(withLog(log, ['--root', root, 'exec', id, 'sh', '-c', PIPES]), 0);
  t.equal(readFileSync(log, 'utf8'), 'caller line\nfd0 pipe\nfd1 pipe\nfd2 pipe\nafter truncation\n', 'the log is intact');

  // stdin to its end of file, then the status.
  const r = spawnSync(...withoutTap(OCIRT, ['--root', root, 'exec', id, 'sh', '-c', 'wc -l; exit 3']), { input: 'a\nb\nc\n', encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 3);
  t.equal(r.stdout.trim(), '3');
  // A process that leaves a child holding its stdout does not hold exec.
  const started = Date.now();
  const bg = spawnSync(...withoutTap(OCIRT, ['--root', root, 'exec', id, 'sh', '-c', 'sleep 30 & echo started']), { encoding: 'utf8', timeout: 20_000 });
  t.equal(bg.status, 0, bg.stderr);
  t.equal(bg.stdout, 'started\n');
  t.ok(Date.now() - started < 15_000, 'exec returns without waiting for the background child');
});

t.test('detached run keeps passing the caller\'s stdio (as engines expect)', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('detached');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const log = join(tempDir(t), 'caller.log');
  writeFileSync(log, '');
  t.equal(withLog(log, ['--root', root, 'run', '--detach', '--bundle', bundleFor(t, `readlink /proc/self/fd/1; sleep 300`), id]), 0);
  for (let i = 0; i < 100 && !readFileSync(log, 'utf8'); i++) await sleep(50);
  t.equal(readFileSync(log, 'utf8'), `${log}\n`, 'the process writes to the caller\'s file');
});

t.test('run works when the caller ignores signals 32 and 33 (glibc\'s own)', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId('sig3233');
  // A Node wrapper sets SIG_IGN on 32 and 33 with the raw syscall (glibc refuses them)
  // and execs the CLI, which inherits them ignored.
  const libc = join(REPO, 'dist/ffi/libc.js');
  const wrapper = `
    const libc = await import(${JSON.stringify(libc)});
    const rtSigaction = process.arch === 'arm64' ? 134 : 13;
    const act = Buffer.alloc(32);
    act.writeBigUInt64LE(1n, 0); // SIG_IGN
    for (const sig of [32, 33]) libc.rawSyscall(rtSigaction, 'rt_sigaction', String(sig), ['int', sig], ['void *', act], ['void *', null], ['ulong', 8]);
    for (const fd of [0, 1, 2]) libc.fcntl(fd, 2 /* F_SETFD */, 0); // Node marks stdio close-on-exec
    const args = process.argv.slice(1);
    libc.execve(args[0], args, ['PATH=/usr/bin:/bin']);
  `;
  const bundle = bundleFor(t, ['grep', 'SigIgn', '/proc/self/status']);
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, OCIRT, '--root', root, 'run', '--bundle', bundle, id], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, env: {},
  });
  t.equal(r.status, 0, r.stderr);
  t.notMatch(r.stderr, /EINVAL/);
  t.equal(r.stdout, 'SigIgn:\t0000000000000000\n', 'the process starts with nothing ignored');
  assertGone(t, root, id);
});

/**
 * A container whose process sends `sig` to every pid it can see, in a loop, while
 * `count` execs run. Returns how the execs ended.
 */
function execsUnderSignals(t: Test, sig: string, count: number): { failed: string[]; killed: number; ok: number } {
  const root = tempDir(t, 'ocirt-root-');
  const id = newId(`flood${sig.toLowerCase()}`);
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const bundle = bundleFor(t, `while :; do kill -${sig} -1 2>/dev/null; done`);
  const ran = ocirt(['--root', root, 'run', '--detach', '--bundle', bundle, id]);
  if (ran.status !== 0) throw new Error(`run --detach failed: ${ran.stderr}`);
  const result = { failed: [] as string[], killed: 0, ok: 0 };
  const signalled = 128 + osConstants.signals[`SIG${sig}` as NodeJS.Signals];
  for (let i = 0; i < count; i++) {
    const r = ocirt(['--root', root, 'exec', id, 'echo', 'ok']);
    if (r.status === 0 && r.stdout === 'ok\n') result.ok++;
    // The program itself started, and the container's loop ended it: its status, not ours.
    else if (r.status === signalled) result.killed++;
    else result.failed.push(`status ${r.status}: ${r.stderr}`);
  }
  return result;
}

t.test('container signals sent to every pid do not make exec fail', async (t) => {
  for (const [sig, count] of [['TERM', 6], ['HUP', 2], ['INT', 2], ['USR2', 2]] as const) {
    const r = execsUnderSignals(t, sig, count);
    t.same(r.failed, [], `SIG${sig}: none of ${count} execs fails to start (${r.killed} started and were ended by the loop, ${r.ok} ran through)`);
  }
  t.same(processesWith('exec-main.js'), [], 'no exec init is left');
});
