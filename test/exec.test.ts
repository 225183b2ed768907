// `ocirt exec`: a new process in a running container, as a person or an engine runs
// it: output and exit status, overrides, --process, --detach with a pid file, the
// container's namespaces, cgroup and capabilities, terminals, and the refusals.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, REPO, tempDir, requireRoot, ensureRootfs, processesWith, type Result, withoutTap, isAlive } from './helpers.js';
import { socketpair } from '../ffi/libc.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from '../ffi/constants.js';
import { makeBundle } from './bundle.js';
import { startConsoleReceiver } from '../conformance/console-receiver.js';
import { cleanupAll } from '../conformance/helpers.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();
t.teardown(cleanupAll); // the console receivers

let n = 0;
const newId = (what: string) => `exec-${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';

/** What a read of /proc gives, or `none` once the process is gone. */
function orGone<T>(read: () => T, none: T): T {
  try {
    return read();
  } catch {
    return none;
  }
}

/** A running container (`sleep 300` unless told otherwise), force-deleted at the end. */
function running(t: Test, patch: (s: Spec) => void = () => {}) {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    // The sample's ambient set cannot be raised without an inheritable one: only warnings.
    delete s.process!.capabilities!.ambient;
    patch(s);
  });
  const id = newId('c');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]): Result => ocirt(['--root', root, ...a]);
  // The container inherits run's stdio: pipes would keep spawnSync waiting for it.
  const errFile = join(tempDir(t), 'run.err');
  const err = openSync(errFile, 'w');
  const r = spawnSync(...withoutTap(OCIRT, ['--root', root, 'run', '--detach', '--bundle', bundle, id]), { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
  closeSync(err);
  if (r.status !== 0) throw new Error(`run --detach failed: ${readFileSync(errFile, 'utf8')}`);
  const state = JSON.parse(R('state', id).stdout) as { pid: number; status: string };
  return { root, bundle, id, R, initPid: state.pid };
}


t.test('output and exit status', async (t) => {
  const { R, id, root } = running(t);
  const r = R('exec', id, 'sh', '-c', 'echo out; echo err >&2');
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'out\n');
  t.match(r.stderr, /err\n/);
  t.equal(R('exec', id, 'sh', '-c', 'exit 7').status, 7, 'the process\'s exit status');
  // Not PID 1 of the namespace, so the shell can signal itself to death.
  t.equal(R('exec', id, 'sh', '-c', 'kill -KILL $$').status, 137, '128+signal');
  const withInput = spawnSync(...withoutTap(OCIRT, ['--root', root, 'exec', id, 'sh', '-c', 'read l; echo "got:$l"']), { input: 'hello\n', encoding: 'utf8' });
  t.equal(withInput.stdout, 'got:hello\n', 'stdin passes through');
  t.same(processesWith('exec-main.js'), [], 'no exec init is left');
});

t.test('env, cwd and user overrides', async (t) => {
  const c = running(t);
  let r = c.R('exec', '-e', 'A=1', '--env', 'B=2', '-e', 'A=3', '--cwd', '/etc', c.id, 'sh', '-c', 'echo "$A $B $PATH"; pwd');
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '3 2 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/etc\n', 'env appended, the last one wins');
  r = c.R('exec', '--user', '1000:100', '-g', '5', '--additional-gids', '7', c.id, 'sh', '-c', 'id; echo $HOME');
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'uid=1000(test) gid=100(users) groups=5(tty),7\n/home/test\n', 'uid, gid, groups, HOME from /etc/passwd');
  r = c.R('exec', '-u', '1000', c.id, 'id', '-u');
  t.equal(r.stdout, '1000\n');
  r = c.R('exec', '--cwd', '/nonexistent', c.id, 'pwd');
  t.equal(r.status, 255);
  // The text log format escapes the quotes.
  t.match(r.stderr, /exec failed: unable to start container process: chdir to cwd \(\\"\/nonexistent\\"\) set in config.json failed: no such file or directory/);
  r = c.R('exec', c.id, 'no-such-program');
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: unable to start container process: exec: \\"no-such-program\\": executable file not found in \$PATH/);
  r = c.R('exec', '-u', 'x', c.id, 'true');
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: parsing x as int for uid failed/);
  r = c.R('exec', c.id);
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: process args cannot be empty/);
});

t.test('--process process.json', async (t) => {
  const c = running(t);
  const dir = tempDir(t);
  const file = join(dir, 'process.json');
  writeFileSync(file, JSON.stringify({
    args: ['sh', '-c', 'echo "$X"; pwd; id -u; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status'],
    env: ['PATH=/bin', 'X=from-file'], cwd: '/etc', user: { uid: 1000, gid: 1000 },
  }));
  let r = c.R('exec', '--process', file, c.id);
  t.equal(r.status, 0, r.stderr);
  // Capabilities come from the container when the file has none (as runc); a uid change
  // clears the effective set, and no_new_privs is the file's (unset).
  t.equal(r.stdout, 'from-file\n/etc\n1000\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\n');
  writeFileSync(file, JSON.stringify({ args: ['true'], cwd: 'etc' }));
  r = c.R('exec', '-p', file, c.id);
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: Cwd must be an absolute path/);
  writeFileSync(file, JSON.stringify({ args: [], cwd: '/' }));
  r = c.R('exec', '-p', file, c.id);
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: args must not be empty/);
});

t.test('--detach --pid-file: returns while the process runs, which outlives ocirt', async (t) => {
  const c = running(t);
  const dir = tempDir(t);
  const pidFile = join(dir, 'exec.pid');
  const outFile = join(dir, 'out');
  const out = openSync(outFile, 'w');
  const started = Date.now();
  // Files, not pipes: the process keeps what it inherited, and spawnSync would wait for a pipe's end.
  const err = openSync(join(dir, 'err'), 'w');
  const r = spawnSync(...withoutTap(OCIRT, ['--root', c.root, 'exec', '--detach', '--pid-file', pidFile, c.id, 'sh', '-c', 'echo started; exec sleep 300']),
    { stdio: ['ignore', out, err], timeout: 30_000 });
  closeSync(out);
  closeSync(err);
  t.equal(r.status, 0, readFileSync(join(dir, 'err'), 'utf8'));
  t.ok(Date.now() - started < 20_000, 'ocirt returned while the process runs');
  const text = readFileSync(pidFile, 'utf8');
  t.match(text, /^\d+$/, 'the pid file holds digits only');
  const pid = Number(text);
  t.ok(isAlive(pid), 'the process runs');
  for (let i = 0; i < 100 && readFileSync(outFile, 'utf8') === ''; i++) await sleep(20);
  t.equal(readFileSync(outFile, 'utf8'), 'started\n', 'its stdout is the one ocirt had');
  // The shell prints, then execs sleep: wait for the exec.
  const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  for (let i = 0; i < 100 && !cmdline().startsWith('sleep'); i++) await sleep(20);
  t.match(cmdline(), /^sleep\x00300\x00$/);
  t.equal(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync(`/proc/${c.initPid}/ns/pid`), 'in the container\'s pid namespace');
  t.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${c.initPid}/cgroup`, 'utf8'), 'in the container\'s cgroup');
  const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  t.not(ppid, r.pid, 'ocirt is not its parent any more');
  t.same(processesWith(`exec ${c.id}`).filter((p) => p !== pid), [], 'no ocirt process is left');
  // It is one of the container's processes: delete --force ends it.
  t.equal(c.R('delete', '--force', c.id).status, 0);
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  t.notOk(isAlive(pid), 'gone with the container');
});

t.test('the container\'s namespaces, cgroup and capabilities', async (t) => {
  const c = running(t);
  let r = c.R('exec', c.id, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname; cat /proc/self/cgroup; ls /proc | grep -c "^[0-9]"');
  t.equal(r.status, 0, r.stderr);
  const [cmdline, hostname, ...rest] = r.stdout.split('\n');
  t.equal(cmdline, 'sleep 300 ', 'sees the container\'s process as PID 1');
  t.equal(hostname, 'ocirt', 'the container\'s hostname');
  const cgroup = rest.slice(0, -2).join('\n') + '\n';
  t.equal(cgroup, readFileSync(`/proc/${c.initPid}/cgroup`, 'utf8'), 'in the container\'s cgroup');
  t.ok(Number(rest[rest.length - 2]) <= 4, 'sees only the container\'s processes');
  r = c.R('exec', c.id, 'sh', '-c', 'ip link 2>/dev/null | grep -c "^[0-9]"; ls /; readlink /proc/self/ns/net');
  t.match(r.stdout, /^1\n/, 'only the container\'s loopback');
  t.match(r.stdout, /\nbin\n/, 'the container\'s root');
  t.match(r.stdout, new RegExp(`${readlinkSync(`/proc/${c.initPid}/ns/net`).replace(/[[\]]/g, '\\$&')}\\n$`), 'the container\'s network namespace');

  r = c.R('exec', c.id, 'grep', '-E', '^(CapEff|CapBnd|NoNewPrivs)', '/proc/self/status');
  t.match(r.stdout, /CapEff:\t0000000020000420/, 'the container\'s capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE)');
  t.match(r.stdout, /CapBnd:\t0000000020000420/);
  t.match(r.stdout, /NoNewPrivs:\t1/);
  r = c.R('exec', '--cap', 'CAP_SYS_ADMIN', '-c', 'CAP_CHOWN', c.id, 'grep', '-E', '^(CapEff|CapBnd)', '/proc/self/status');
  t.match(r.stdout, /CapEff:\t0000000020200421\nCapBnd:\t0000000020200421\n/, '--cap adds CAP_SYS_ADMIN and CAP_CHOWN');
  r = c.R('exec', '--no-new-privs', c.id, 'grep', 'NoNewPrivs', '/proc/self/status');
  t.equal(r.stdout, 'NoNewPrivs:\t1\n');
  r = c.R('exec', c.id, 'sh', '-c', 'grep -E "^Sig(Ign|Blk)" /proc/self/status; ulimit -n');
  t.equal(r.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n1024\n', 'no signal ignored or blocked; the container\'s rlimits');
});

t.test('exec into a stopped, paused or unknown container fails with 255', async (t) => {
  const c = running(t, (s) => { s.process!.args = ['sh', '-c', 'exit 0']; });
  for (let i = 0; i < 100 && JSON.parse(c.R('state', c.id).stdout).status !== 'stopped'; i++) await sleep(50);
  let r = c.R('exec', c.id, 'true');
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: cannot exec in a stopped container/);
  r = c.R('exec', newId('missing'), 'true');
  t.equal(r.status, 255);
  t.match(r.stderr, /container does not exist/);

  const p = running(t);
  t.equal(p.R('pause', p.id).status, 0);
  r = p.R('exec', p.id, 'true');
  t.equal(r.status, 255);
  t.match(r.stderr, /exec failed: cannot exec in a paused container \(use --ignore-paused to override\)/);
  // With --ignore-paused the process starts frozen and runs once resumed.
  const child = spawn(...withoutTap(OCIRT, ['--root', p.root, 'exec', '--ignore-paused', p.id, 'echo', 'after-resume']), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const status = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await sleep(1500);
  t.equal(child.exitCode, null, 'waits while the container is paused');
  t.equal(p.R('resume', p.id).status, 0, 'resume is not blocked by the waiting exec');
  t.equal(await status, 0);
  t.equal(stdout, 'after-resume\n');
});

t.test('an exec whose container dies after it opened the namespaces fails as a stopped container', async (t) => {
  // The container's init, killed, stays an exiting PID-namespace init (not yet a zombie)
  // while a process of its namespace waits to be reaped by a stopped parent: the
  // namespace's files are gone, and a fork into it fails with ENOMEM.
  t.ok(existsSync('/proc/self/ns/time'), 'the kernel has time namespaces (the last one exec opens)');
  const c = running(t);
  const holder = spawn(...withoutTap(OCIRT, ['--root', c.root, 'exec', c.id, 'sleep', '300']), { stdio: 'ignore' });
  t.teardown(() => { holder.kill('SIGKILL'); });
  const holderExited = new Promise((res) => holder.on('exit', res));
  for (let i = 0; i < 200 && (JSON.parse(c.R('ps', '--format', 'json', c.id).stdout || '[]') as number[]).length < 2; i++) await sleep(25);
  holder.kill('SIGSTOP');

  // strace holds exec's open of the init's time namespace until the init is killed.
  const out = join(tempDir(t), 'exec.err');
  const err = openSync(out, 'w');
  const traced = spawn('strace', ['-o', '/dev/null', '-P', `/proc/${c.initPid}/ns/time`, '-e', 'inject=openat:delay_exit=3000000',
    ...withoutTap(OCIRT, ['--root', c.root, 'exec', c.id, 'true']).flat()], { stdio: ['ignore', 'ignore', err] });
  closeSync(err);
  const traceDone = new Promise<number | null>((res) => { traced.on('exit', (code) => res(code)); traced.on('error', () => res(-1)); });
  const holdsTimeNamespace = () => {
    const children = orGone(() => readFileSync(`/proc/${traced.pid}/task/${traced.pid}/children`, 'utf8'), '').trim().split(' ').filter(Boolean);
    return children.some((pid) => orGone(() => readdirSync(`/proc/${pid}/fd`), [])
      .some((fd) => orGone(() => readlinkSync(`/proc/${pid}/fd/${fd}`), '').startsWith('time:')));
  };
  let held = false;
  for (let i = 0; i < 400 && !(held = holdsTimeNamespace()) && traced.exitCode === null; i++) await sleep(10);
  t.ok(held, 'exec has the init\'s time namespace open, and waits');
  process.kill(c.initPid, 'SIGKILL');
  t.equal(await traceDone, 255, 'exec fails with 255');
  const stderr = readFileSync(out, 'utf8');
  t.match(stderr, /exec failed: cannot exec in a stopped container/);
  t.notMatch(stderr, /ENOMEM/, 'not the fork\'s error');
  holder.kill('SIGCONT');
  await holderExited;
});

t.test('--preserve-fds hands extra fds to the process', async (t) => {
  const c = running(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, 'in'), 'preserved\n');
  const fd = openSync(join(dir, 'in'), 'r');
  t.teardown(() => closeSync(fd));
  const r = spawnSync(...withoutTap(OCIRT, ['--root', c.root, 'exec', '--preserve-fds', '1', c.id, 'sh', '-c', 'cat <&3; [ -e /proc/self/fd/4 ] && echo leak || echo no-more']),
    { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'preserved\nno-more\n');
});

t.test('--tty --detach sends the pty master to --console-socket', async (t) => {
  const c = running(t);
  const rx = await startConsoleReceiver();
  t.teardown(() => rx.close());
  const pidFile = join(tempDir(t), 'tty.pid');
  const r = ocirt(['--root', c.root, 'exec', '--tty', '--detach', '--console-socket', rx.socketPath, '--pid-file', pidFile, c.id,
    'sh', '-c', 'tty; for fd in 0 1 2; do [ -t $fd ] && echo "fd$fd tty"; done; read line; echo "got:$line"']);
  t.equal(r.status, 0, r.stderr);
  const got = await rx.received;
  t.equal(got.fdCount, 1);
  t.equal(got.isatty, true);
  await rx.waitForOutput(/fd2 tty/);
  t.match(rx.output(), /^\/dev\/pts\/\d+\r\nfd0 tty\r\nfd1 tty\r\nfd2 tty\r\n/);
  rx.write('typed\n');
  await rx.waitForOutput(/got:typed/);
  await rx.closed;
  // The master reads end of file when the process closes its files, a moment before it is a zombie.
  const ttyPid = Number(readFileSync(pidFile, 'utf8'));
  for (let i = 0; i < 100 && isAlive(ttyPid); i++) await sleep(50);
  t.notOk(isAlive(ttyPid), 'the process ended with its terminal');
  const bad = c.R('exec', '--tty', '--detach', c.id, 'true');
  t.equal(bad.status, 255);
  t.match(bad.stderr, /cannot allocate tty if runc will detach without setting console socket/);
  const bad2 = c.R('exec', '--console-socket', rx.socketPath, c.id, 'true');
  t.equal(bad2.status, 255);
  t.match(bad2.stderr, /cannot use console socket if runc will not detach or allocate tty/);
});

t.test('--tty in the foreground proxies the terminal through ocirt', async (t) => {
  const c = running(t);
  const r = spawnSync(...withoutTap(OCIRT, ['--root', c.root, 'exec', '-t', c.id, 'sh', '-c', 'read l; echo "got:$l"; tty; exit 4']),
    { input: 'hello\n', encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 4, r.stderr);
  t.match(r.stdout, /got:hello\r\n\/dev\/pts\/\d+\r\n$/);
});

t.test('the exec init makes itself non-dumpable before anything else', async (t) => {
  // /proc/<pid>/fd of a non-dumpable process belongs to root, whatever its uid: run
  // the exec init (as built for the CLI, and as the library runs it) as nobody and
  // watch the owner change once it is up.
  // Without tap's NODE_OPTIONS: its hook in a Node child writes a report under .tap at
  // exit, which nobody may not, and says so on stderr.
  const inits: [string, [string, string[]]][] = [
    ['the compiled exec-init', withoutTap(OCIRT, ['exec-init', 'sync=3'])],
    ["the library's exec init", withoutTap(process.execPath, [join(REPO, 'dist/src/init/exec-main.js'), 'sync=3'])],
  ];
  for (const [script, [program, args]] of inits) {
    const [ours, theirs] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
    const child = spawn(program, args,
      { stdio: ['ignore', 'ignore', 'pipe', theirs], uid: 65534, gid: 65534 });
    closeSync(theirs);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d; });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let owner = -1;
    for (let i = 0; i < 200 && owner !== 0; i++) {
      await sleep(25);
      try { owner = statSync(`/proc/${child.pid}/fd`).uid; } catch { break; }
    }
    t.equal(owner, 0, `${script}: /proc/<pid>/fd turned root-owned: PR_SET_DUMPABLE 0`);
    t.equal(child.exitCode, null, `${script}: it waits for its config`);
    closeSync(ours);
    t.equal(await exited, 1, `${script}: and leaves when the runtime goes away`);
    t.equal(stderr, '', `${script}: without a word`);
  }
});

t.test('the cgroup namespace is joined, and the time namespace', async (t) => {
  const c = running(t, (s) => { s.linux!.namespaces!.push({ type: 'cgroup' }); });
  const r = c.R('exec', c.id, 'sh', '-c', 'grep -c ":/$" /proc/self/cgroup; readlink /proc/self/ns/cgroup');
  t.equal(r.status, 0, r.stderr);
  const lines = readFileSync(`/proc/${c.initPid}/cgroup`, 'utf8').trim().split('\n').length;
  t.equal(r.stdout, `${lines}\n${readlinkSync(`/proc/${c.initPid}/ns/cgroup`)}\n`, 'every hierarchy is "/" inside, as for the init');
  const tn = running(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: 3600 } };
  });
  const joined = tn.R('exec', tn.id, 'sh', '-c', 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets; grep ^Gid: /proc/self/status');
  t.equal(joined.status, 0, joined.stderr);
  t.equal(joined.stdout.split('\n')[0], readlinkSync(`/proc/${tn.initPid}/ns/time`), 'in the init\'s time namespace');
  t.match(joined.stdout, /^boottime\s+3600\s+0$/m, 'with its offsets');
  t.match(joined.stdout, /^Gid:\s+0\s+0\s+0\s+0$/m, 'every gid the process\'s (not the launcher\'s)');
});
