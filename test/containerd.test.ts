// containerd end to end: a private containerd daemon whose runc shim
// (containerd-shim-runc-v2) runs ocirt as its runtime binary, driven with `ctr`
// exactly as a person would: run, exec, kill, ps, tty, and the shim's log.json.
// A stub runtime that always fails shows the assertions depend on ocirt.
import t, { type Test } from 'tap';
import { SECCOMP_CACHE_DIR } from '../src/process/seccomp-cache.js';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OCIRT, requireRoot, ensureRootfs, findCgroupDirs, processesWith, mountsUnder, type Result } from './helpers.js';
import { startContainerd, stopContainerd, sweepStale, ctrAt, cgroupParents, removeCgroupTree, killAll, removeShimSockets } from './containerd-daemon.js';

const TOOLS = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'python3', 'env', 'cp', 'umount'];
const RUNC = '/usr/sbin/runc';
const PREFIX = 'ocirt-ctd-';
import { setTimeout as sleep } from 'node:timers/promises';

requireRoot();
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missing.length) throw new Error(`this test needs ${missing.join(', ')} (apt-get install containerd python3)`);
ensureRootfs();
// Each ocirt command is a Node start-up, and the shim calls several per container.
t.setTimeout(240_000);

sweepStale(PREFIX);
const D = await startContainerd({ prefix: PREFIX });
const children: ChildProcess[] = [];
const ids: string[] = [];

t.teardown(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const id of ids) removeContainer(id);
  await stopContainerd(D);
  killAll(D.dir); // shims of containers that could not be deleted
  removeShimSockets(D.dir);
  for (const mp of mountsUnder(D.dir).sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', mp]);
  rmSync(D.dir, { recursive: true, force: true });
  for (const p of cgroupParents(D.ns)) removeCgroupTree(p);
});

// ---------------------------------------------------------------------------------------------
// Driving ctr

let n = 0;
const newId = (what: string) => {
  const id = `${what}-${process.pid}-${++n}`;
  ids.push(id);
  return id;
};
const ctr = (args: string[], opts: SpawnSyncOptions = {}) => ctrAt(D, args, opts);
const bundleOf = (id: string) => join(D.state, 'io.containerd.runtime.v2.task', D.ns, id);

/** `ctr run` argv: the runtime binary and its root, our fifo dir, the rootfs copy. */
function runArgs(runtime: string, id: string, flags: string[], cmd: string[]): string[] {
  return ['run', '--fifo-dir', D.fifoDir, '--runc-binary', runtime, '--runc-root', D.runcRoot, ...flags, '--rootfs', D.rootfs, id, ...cmd];
}

function removeContainer(id: string): void {
  ctr(['task', 'rm', '--force', id]);
  ctr(['container', 'rm', id]);
}

interface Running {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, ms?: number): Promise<boolean>;
  done: Promise<Result>;
}

/** Starts `ctr ARGS` in the background, collecting its output. */
function ctrSpawn(args: string[]): Running {
  const child = spawn('ctr', ['--address', D.sock, '--namespace', D.ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => { stdout += c; });
  child.stderr!.on('data', (c) => { stderr += c; });
  const done = new Promise<Result>((res) => child.on('close', (code, sig) => res({ status: code ?? (sig ? -1 : null), stdout, stderr })));
  let finished = false;
  void done.then(() => { finished = true; });
  return {
    child,
    output: () => stdout,
    async waitFor(re, ms = 20_000) {
      for (const end = Date.now() + ms; Date.now() < end && !finished; await sleep(20)) if (re.test(stdout)) return true;
      return re.test(stdout);
    },
    done,
  };
}

/** The task's status and pid as `ctr task ls` shows them. */
function taskInfo(id: string): { pid: number; status: string } | undefined {
  const line = ctr(['task', 'ls']).stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
  if (!line) return undefined;
  const [, pid, status] = line.trim().split(/\s+/);
  return { pid: Number(pid), status: status! };
}

async function waitStatus(id: string, want: string, ms = 15_000): Promise<string | undefined> {
  let info = taskInfo(id);
  for (const end = Date.now() + ms; Date.now() < end && info?.status !== want; await sleep(50)) info = taskInfo(id);
  return info?.status;
}

/** Runs a detached container with no IO and waits until its task is RUNNING. */
async function runDetached(t: Test, what: string, cmd: string[], flags: string[] = []): Promise<string> {
  const id = newId(what);
  t.teardown(() => removeContainer(id));
  const r = ctr(runArgs(OCIRT, id, ['-d', '--null-io', ...flags], cmd));
  t.equal(r.status, 0, `ctr run -d: ${r.stderr}`);
  t.equal(await waitStatus(id, 'RUNNING'), 'RUNNING', 'the task is running');
  return id;
}

const pidAlive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** What the shim's log.json holds, each line parsed (a line that is not JSON fails the test). */
function logEntries(t: Test, id: string): Record<string, unknown>[] {
  const text = readFileSync(join(bundleOf(id), 'log.json'), 'utf8');
  const entries: Record<string, unknown>[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      t.fail(`log.json line is not JSON: ${line}`);
      continue;
    }
    t.match(entry, { level: /^(debug|info|warning|error|fatal)$/, msg: String }, `level and msg: ${line}`);
    t.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/, 'time is RFC3339');
    t.ok(Math.abs(Date.parse(String(entry.time)) - Date.now()) < 600_000, 'time is now');
    entries.push(entry);
  }
  return entries;
}

// Runs ARGV on a new pty of 40 rows and 100 columns; writes INPUT once the output contains WAIT.
const PTY_RUN = `
import os, pty, sys, fcntl, termios, struct, select, time, signal
want = os.environ.get('PTY_WAIT', '').encode()
data = os.environ.get('PTY_INPUT', '').encode()
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 100, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
sent = not data
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if not r:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and want in out:
        os.write(fd, data)
        sent = True
else:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) & 255)
`;

/** Runs `ctr ARGS` on a pty (ctr -t needs one); returns its status and output without CRs. */
function ctrOnPty(args: string[], wait = '', input = ''): { status: number | null; out: string; stderr: string } {
  const r = spawnSync('python3', ['-c', PTY_RUN, 'ctr', '--address', D.sock, '--namespace', D.ns, ...args],
    { encoding: 'utf8', timeout: 90_000, env: { ...process.env, PTY_WAIT: wait, PTY_INPUT: input } });
  return { status: r.status, out: String(r.stdout).replace(/\r/g, ''), stderr: String(r.stderr) };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** (1) A container that prints on both streams and exits 7, run by `ctr run --rm` with `runtime`. */
function printAndExit(runtime: string): { id: string; r: Result } {
  const id = newId('exit');
  const r = ctr(runArgs(runtime, id, ['--rm'], ['/bin/sh', '-c', 'echo out; echo err >&2; exit 7']));
  return { id, r };
}

t.test('ctr run: output and exit code of the container come back through the shim', async (t) => {
  const { id, r } = printAndExit(OCIRT);
  t.equal(r.status, 7, `exit code reaches ctr: ${r.stderr}`);
  t.equal(r.stdout, 'out\n');
  t.equal(r.stderr, 'err\n');
  t.notOk(ctr(['container', 'ls', '-q']).stdout.split('\n').includes(id), '--rm removed the container');
  t.notOk(existsSync(join(D.runcRoot, D.ns, id)), "ocirt's state dir is gone");
  t.same(findCgroupDirs(id), [], 'the cgroup is gone');

  const id0 = newId('zero');
  const r0 = ctr(runArgs(OCIRT, id0, ['--rm', '--env', 'GREETING=hi there'], ['/bin/sh', '-c', 'echo "$GREETING from $(hostname)"']));
  t.equal(r0.status, 0, r0.stderr);
  // ctr's spec sets no hostname: the new UTS namespace keeps the host's, as with runc.
  t.equal(r0.stdout, `hi there from ${hostname()}\n`, 'env from the spec containerd wrote');
});

t.test('a failed create reaches ctr with the message from log.json', async (t) => {
  const id = newId('enoent');
  const r = ctr(runArgs(OCIRT, id, ['--rm'], ['/no/such/program']));
  t.equal(r.status, 1);
  // The shim reads the last error entry of log.json; without a parsable entry it says
  // "unable to retrieve OCI runtime error".
  t.match(r.stderr, /OCI runtime create failed: ocirt create failed: .*\/no\/such\/program.*no such file or directory/);
  t.notMatch(r.stderr, /unable to retrieve OCI runtime error/);
  t.notOk(ctr(['container', 'ls', '-q']).stdout.split('\n').includes(id));
  t.same(findCgroupDirs(id), []);
});

t.test("the shim's log.json holds JSON lines with level, msg and time", async (t) => {
  const id = await runDetached(t, 'log', ['/bin/sleep', '300'], ['--cap-add', 'CAP_OCIRT_UNKNOWN']);
  const entries = logEntries(t, id);
  t.ok(entries.some((e) => e.level === 'warning' && /unknown capability "CAP_OCIRT_UNKNOWN"/.test(String(e.msg))),
    'the warning about the unknown capability is there');
});

t.test('ctr task exec: output and exit code of the exec process come back', async (t) => {
  const id = await runDetached(t, 'exec', ['/bin/sleep', '300']);
  const initPid = taskInfo(id)!.pid;
  let r = ctr(['task', 'exec', '--fifo-dir', D.fifoDir, '--exec-id', 'e1', id,
    '/bin/sh', '-c', 'echo exec-out; cat /proc/1/comm; echo exec-err >&2; exit 5']);
  t.equal(r.status, 5, `exec exit code reaches ctr: ${r.stderr}`);
  t.equal(r.stdout, 'exec-out\nsleep\n', "runs in the container's PID namespace: its PID 1 is the sleep");
  t.equal(r.stderr, 'exec-err\n');

  r = ctr(['task', 'exec', '--fifo-dir', D.fifoDir, '--exec-id', 'e2', id, '/bin/sh', '-c', 'echo second']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'second\n', 'a second exec works too');

  r = ctr(['task', 'exec', '--fifo-dir', D.fifoDir, '--exec-id', 'e3', id, '/no/such/program']);
  t.not(r.status, 0, 'exec of a missing program fails');
  t.match(r.stderr, /OCI runtime exec failed: .*\/no\/such\/program/);
  const entries = logEntries(t, id);
  t.ok(entries.some((e) => e.level === 'error' && /\/no\/such\/program/.test(String(e.msg))), 'the exec error is in log.json');

  const tty = ctrOnPty(['task', 'exec', '--fifo-dir', D.fifoDir, '--tty', '--exec-id', 'e4', id,
    '/bin/sh', '-c', 'tty; [ -t 0 ] && echo stdin-is-tty; exit 3']);
  t.equal(tty.status, 3, `exec --tty: exit code through the pty: ${tty.out} ${tty.stderr}`);
  // ctr writes to the same pty; it may fail to resize a process that has already
  // exited ("cannot resize a stopped container"), a race of its own.
  const output = tty.out.replace(/^.*resize pty.*\n/gm, '');
  t.match(output, /^\/dev\/pts\/\d+\nstdin-is-tty\n/, 'exec --tty gets a terminal');

  t.same(taskInfo(id), { pid: initPid, status: 'RUNNING' }, 'the container still runs');
});

t.test("ctr run --seccomp: containerd's default profile confines the process and its execs", async (t) => {
  const id = await runDetached(t, 'seccomp', ['/bin/sleep', '300'], ['--seccomp']);
  const pid = taskInfo(id)!.pid;
  t.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Seccomp:\s+2$/m, 'the container process runs under a filter');
  const r = ctr(['task', 'exec', '--fifo-dir', D.fifoDir, '--exec-id', 's1', id,
    '/bin/sh', '-c', 'grep "^Seccomp:" /proc/self/status']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^Seccomp:\s+2\n/, 'the exec process runs under the filter too');
});

t.test('ctr task kill: SIGTERM to a process that traps it', async (t) => {
  const id = newId('term');
  t.teardown(() => removeContainer(id));
  const run = ctrSpawn(runArgs(OCIRT, id, ['--rm'],
    ['/bin/sh', '-c', 'trap "echo got-TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done']));
  t.ok(await run.waitFor(/ready\n/), `the container started: ${run.output()}`);
  const k = ctr(['task', 'kill', '--signal', 'SIGTERM', id]);
  t.equal(k.status, 0, k.stderr);
  const r = await run.done;
  t.equal(r.status, 42, `the trap's exit code reaches ctr: ${r.stderr}`);
  t.equal(r.stdout, 'ready\ngot-TERM\n');
});

t.test('ctr task kill: PID 1 ignores SIGTERM without a handler, SIGKILL ends it (137)', async (t) => {
  const id = newId('kill');
  t.teardown(() => removeContainer(id));
  const run = ctrSpawn(runArgs(OCIRT, id, ['--rm'], ['/bin/sleep', '300']));
  t.equal(await waitStatus(id, 'RUNNING'), 'RUNNING');
  t.equal(ctr(['task', 'kill', '--signal', 'SIGTERM', id]).status, 0);
  await sleep(300);
  t.equal(taskInfo(id)?.status, 'RUNNING', 'still running after SIGTERM');
  const k = ctr(['task', 'kill', '--signal', 'SIGKILL', id]);
  t.equal(k.status, 0, k.stderr);
  const r = await run.done;
  t.equal(r.status, 137, `128+9 reaches ctr: ${r.stderr}`);
  t.equal(r.stdout, '');
});

t.test('ctr task ps lists every process of the container; kill --all ends them', async (t) => {
  const id = await runDetached(t, 'ps', ['/bin/sh', '-c', 'sleep 300 & sleep 301 & wait']);
  const initPid = taskInfo(id)!.pid;
  let pids: number[] = [];
  for (let i = 0; i < 100 && pids.length < 3; i++, await sleep(50)) {
    const r = ctr(['task', 'ps', id]);
    t.equal(r.status, 0, r.stderr);
    if (r.status !== 0) break;
    pids = r.stdout.trim().split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
  }
  t.equal(pids.length, 3, `three processes: ${pids.join(' ')}`);
  t.ok(pids.includes(initPid), 'the init is one of them');
  // A forked child shows the shell's command line until it has exec'd sleep.
  const cmdlines = () => pids.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')).sort();
  const expected = ['/bin/sh -c sleep 300 & sleep 301 & wait', 'sleep 300', 'sleep 301'];
  for (let i = 0; i < 100 && JSON.stringify(cmdlines()) !== JSON.stringify(expected); i++) await sleep(20);
  t.same(cmdlines(), expected);

  const k = ctr(['task', 'kill', '--all', '--signal', 'SIGKILL', id]);
  t.equal(k.status, 0, k.stderr);
  t.equal(await waitStatus(id, 'STOPPED'), 'STOPPED');
  for (let i = 0; i < 100 && pids.some(pidAlive); i++) await sleep(50);
  t.same(pids.filter(pidAlive), [], 'every process is gone');
});

/** The container's cgroup directory for a v1 controller, from the init's /proc/PID/cgroup. */
function v1CgroupDir(pid: number, controller: string): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`no ${controller} cgroup for ${pid}`);
  return `/sys/fs/cgroup/${controller}${line.split(':').slice(2).join(':')}`;
}

t.test('ctr task pause and resume freeze and thaw the container', async (t) => {
  const id = await runDetached(t, 'pause', ['/bin/sleep', '300']);
  const pid = taskInfo(id)!.pid;
  const freezer = `${v1CgroupDir(pid, 'freezer')}/freezer.state`;
  let r = ctr(['task', 'pause', id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(taskInfo(id)?.status, 'PAUSED');
  t.equal(readFileSync(freezer, 'utf8').trim(), 'FROZEN');
  r = ctr(['task', 'resume', id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(taskInfo(id)?.status, 'RUNNING');
  t.equal(readFileSync(freezer, 'utf8').trim(), 'THAWED');
});

t.test('ctr run --memory-limit and containerd\'s device rules reach the cgroup', async (t) => {
  const limit = 64 * 1024 * 1024;
  const id = await runDetached(t, 'limits', ['/bin/sleep', '300'], ['--memory-limit', String(limit)]);
  const pid = taskInfo(id)!.pid;
  t.equal(readFileSync(`${v1CgroupDir(pid, 'memory')}/memory.limit_in_bytes`, 'utf8').trim(), String(limit));
  const devices = readFileSync(`${v1CgroupDir(pid, 'devices')}/devices.list`, 'utf8');
  t.notMatch(devices, /^a \*:\* rwm$/m, 'not every device is allowed');
  t.match(devices, /^c 1:3 rwm$/m, '/dev/null is allowed');
});

t.test('ctr run --tty: the container gets a terminal with the caller size and input', async (t) => {
  const id = newId('tty');
  t.teardown(() => removeContainer(id));
  // ctr resizes the container's terminal just after start, so wait for the size first.
  const script = 'tty; [ -t 0 ] && [ -t 1 ] && echo stdio-is-tty; ' +
    'i=0; until stty -a | grep -q "rows 40; columns 100"; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done; ' +
    'echo "size $(stty size)"; read line; echo "got:$line"; exit 4';
  const { status, out, stderr } = ctrOnPty(runArgs(OCIRT, id, ['--rm', '--tty'], ['/bin/sh', '-c', script]), 'size 40 100', 'hello\r');
  t.equal(status, 4, `exit code through the pty: ${out} ${stderr}`);
  t.match(out, /^\/dev\/pts\/0\n/m, 'stdin is the container pty');
  t.match(out, /^stdio-is-tty$/m);
  t.match(out, /^size 40 100$/m, "the caller's window size reaches the container");
  t.match(out, /^got:hello$/m, 'input reaches the container');
});

t.test('a stub runtime that exits 1 fails the same scenario', async (t) => {
  const stub = join(D.dir, 'stub-runtime');
  writeFileSync(stub, '#!/bin/sh\nexit 1\n');
  chmodSync(stub, 0o755);
  const { id, r } = printAndExit(stub);
  t.teardown(() => removeContainer(id));
  t.not(r.status, 7, 'the exit code test would fail');
  t.not(r.stdout, 'out\n', 'the output test would fail');
  t.match(r.stderr, /OCI runtime create failed/);
});

t.test('ctr run --rm /bin/true: ocirt and runc timings (median of 5)', async (t) => {
  const times: Record<string, number[]> = { ocirt: [], runc: [] };
  for (let i = 0; i < 5; i++) {
    for (const [name, bin] of [['ocirt', OCIRT], ['runc', RUNC]] as const) {
      const id = newId(`true-${name}`);
      const t0 = performance.now();
      const r = ctr(runArgs(bin, id, ['--rm'], ['/bin/true']));
      times[name]!.push(performance.now() - t0);
      t.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  t.comment(`ctr run --rm /bin/true, median of 5: ocirt ${median(times.ocirt!).toFixed(0)} ms, runc ${median(times.runc!).toFixed(0)} ms`);
});

t.test('nothing is left behind: containers, tasks, snapshots, shims, state, cgroups, mounts', async (t) => {
  for (const id of ids) removeContainer(id);
  t.equal(ctr(['container', 'ls', '-q']).stdout, '', 'no containers');
  t.equal(ctr(['task', 'ls', '-q']).stdout, '', 'no tasks');
  const snapshots = ctr(['snapshots', 'ls']);
  t.equal(snapshots.status, 0, snapshots.stderr);
  t.same(snapshots.stdout.trim().split('\n').slice(1), [], 'no snapshots (--rootfs uses none)');
  let shims = processesWith(D.sock);
  for (let i = 0; i < 100 && shims.length; i++, await sleep(50)) shims = processesWith(D.sock);
  t.same(shims, [], 'every shim exited');
  const stateDir = join(D.runcRoot, D.ns);
  // Only the cache of compiled seccomp filters may stay (src/process/seccomp-cache.ts).
  t.same(existsSync(stateDir) ? readdirSync(stateDir).filter((n) => n !== SECCOMP_CACHE_DIR) : [], [], "ocirt's root holds no container");
  t.same(ids.flatMap(findCgroupDirs), [], 'no cgroup of any container');
  t.same(mountsUnder(D.dir), [], 'no mounts under the temp dir');
});
