// Podman drives ocirt as its OCI runtime (`podman --runtime <ocirt>`), through conmon:
// create/start/delete, exec, stop and kill, top, pause, a tty, detached runs and logs,
// and a failing create. Podman's storage, run state, events, network config and temp
// files live in a temp dir (env CONTAINERS_CONF / CONTAINERS_STORAGE_CONF plus global
// flags) so nothing lands in /var/lib/containers. Run with OCIRT_BIN=/usr/sbin/runc to
// check the test against runc; any broken runtime makes it fail.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OCIRT, ROOTFS, ensureRootfs, mountsUnder, processesWith, requireRoot } from './helpers.js';
import { PodmanHarness, type PodmanCallOptions } from './podman-harness.js';

// Each Podman run costs about a second; above tap's default 30 s for a file.
t.setTimeout(120_000);
requireRoot();
const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
if (version.status !== 0) throw new Error('this test needs podman and conmon (apt-get install -y podman)');
ensureRootfs();

const varLibContainersBefore = existsSync('/var/lib/containers');
const harness = new PodmanHarness({ prefix: 'ocirt-podman-' });
const { work, global: GLOBAL } = harness;
const RUNTIME_ROOT = harness.runtimeRoot;
t.teardown(() => harness.cleanup());

const rootfs = join(work, 'rootfs');
const cp = spawnSync('cp', ['-a', ROOTFS, rootfs], { encoding: 'utf8' });
if (cp.status !== 0) throw new Error(`copying the rootfs failed: ${cp.stderr}`);
const RUN = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

const podman = (args: string[], opts: PodmanCallOptions = {}) => harness.podman(args, opts);
const podmanEnv = (jsonLog = true) => harness.env(jsonLog);
type Result = ReturnType<typeof podman>;

// Every container id this test made, for the leftover checks at the end.
const ids = new Set<string>();
let cidCount = 0;

/** `podman run <RUN> <flags> --rootfs <rootfs> <cmd>`, recording the container id through --cidfile. */
function run(flags: string[], cmd: string[], opts: PodmanCallOptions = {}): Result & { id: string } {
  const cidFile = join(work, 'cids', String(++cidCount));
  const r = podman(['run', '--cidfile', cidFile, ...RUN, ...flags, '--rootfs', rootfs, ...cmd], opts);
  const id = existsSync(cidFile) ? readFileSync(cidFile, 'utf8').trim() : '';
  if (id) ids.add(id);
  return { ...r, id };
}

import { setTimeout as sleep } from 'node:timers/promises';

/** Waits until the container's log shows `text` (its shell installed its traps), or the deadline. */
async function waitForLog(name: string, text: string, deadline: number): Promise<boolean> {
  for (;;) {
    if (podman(['logs', name]).stdout.includes(text)) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

t.test('run prints, reads stdin and exits with the container status', async (t) => {
  let r = run(['--rm', '-e', 'GREETING=hello'], ['/bin/sh', '-c', 'echo "$GREETING from pid $$"; echo to-stderr >&2; exit 7']);
  t.equal(r.status, 7, r.stderr);
  t.equal(r.stdout, 'hello from pid 1\n');
  t.equal(r.stderr, 'to-stderr\n');

  r = run(['--rm'], ['/bin/true']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');

  // --network none: a network namespace of its own, with only the loopback, and that up.
  r = run(['--rm'], ['/bin/sh', '-c', 'ls /sys/class/net; cat /sys/class/net/lo/flags']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'lo\n0x9\n', 'loopback up (IFF_UP|IFF_LOOPBACK)');

  r = run(['--rm', '-i'], ['/bin/cat'], { input: 'piped in\n' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'piped in\n', 'stdin reaches the container with -i');

  t.equal(podman(['ps', '-a', '-q']).stdout, '', '--rm removed every container');
});

t.test('a failing create gives Podman the runtime\'s error', async (t) => {
  const expected = (exe: string, why: string) => new RegExp(
    `^Error: ${OCIRT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*\\w+ create failed: unable to start container process: exec: \\\\?"${exe}\\\\?": ${why}`);
  for (const jsonLog of [true, false]) {
    const how = jsonLog ? 'from the JSON oci-log' : 'from stderr';
    let r = run(['--rm'], ['/nonexist'], { jsonLog });
    t.equal(r.status, 127, `missing absolute path exits 127 (${how})`);
    t.match(r.stderr, expected('/nonexist', 'stat /nonexist: no such file or directory'), how);
    t.match(r.stderr, /OCI runtime attempted to invoke a command that was not found\n$/, 'Podman classified it as not found');

    r = run(['--rm'], ['nonexist'], { jsonLog });
    t.equal(r.status, 127);
    t.match(r.stderr, expected('nonexist', 'executable file not found in \\$PATH'), how);

    r = run(['--rm'], ['/etc/passwd'], { jsonLog });
    t.equal(r.status, 126, `not executable exits 126 (${how})`);
    t.match(r.stderr, expected('/etc/passwd', 'permission denied'), how);
    t.match(r.stderr, /OCI permission denied\n$/);
  }
  t.equal(podman(['ps', '-a', '-q']).stdout, '', 'nothing left in Podman');
  for (const id of ids) t.notOk(existsSync(join(RUNTIME_ROOT, id)), `no runtime state left for ${id.slice(0, 12)}`);
});

t.test('podman exec into a running container', async (t) => {
  const r = run(['-d', '--name', 'exec1'], ['/bin/sleep', '300']);
  t.equal(r.status, 0, r.stderr);
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'exec1']); });

  let x = podman(['exec', '-e', 'WHO=exec', 'exec1', '/bin/sh', '-c', 'echo "in $WHO"; cat /proc/1/cmdline | tr "\\0" " "; echo; exit 4']);
  t.equal(x.status, 4, `exit status of the exec'd process; stderr: ${x.stderr}`);
  t.equal(x.stdout, 'in exec\n/bin/sleep 300 \n', 'runs beside the container process, with the env given');

  x = podman(['exec', '-i', 'exec1', '/bin/cat'], { input: 'to exec\n' });
  t.equal(x.status, 0, x.stderr);
  t.equal(x.stdout, 'to exec\n', 'stdin reaches the exec with -i');

  x = podman(['exec', 'exec1', '/nonexist']);
  t.equal(x.status, 127, 'a missing executable exits 127');
  t.match(x.stderr, /not found|no such file or directory/);

  t.match(podman(['inspect', '--format', '{{.State.Status}}', 'exec1']).stdout, /^running\n$/, 'the container still runs');
});

t.test('podman stop and podman kill', async (t) => {
  const containers = {
    // Exits 5 on SIGTERM.
    stopTrap: ['/bin/sh', '-c', 'trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.1; done'],
    // Ignores SIGTERM: Podman has to fall back to SIGKILL.
    stopIgnore: ['/bin/sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
    killUsr1: ['/bin/sh', '-c', 'trap "echo got-usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done'],
    killDefault: ['/bin/sh', '-c', 'echo ready; while :; do sleep 0.1; done'],
  };
  for (const [name, args] of Object.entries(containers)) {
    const r = run(['-d', '--name', name], args);
    t.equal(r.status, 0, `${name} started: ${r.stderr}`);
    t.teardown(() => { podman(['rm', '-f', '-t', '0', name]); });
  }
  const deadline = Date.now() + 10_000;
  for (const name of Object.keys(containers)) t.ok(await waitForLog(name, 'ready', deadline), `${name} is ready`);

  let r = podman(['stop', '-t', '10', 'stopTrap']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'stopTrap\n');
  t.ok(r.ms < 5000, `stopped by SIGTERM without waiting for the timeout (${r.ms} ms)`);
  t.equal(podman(['wait', 'stopTrap']).stdout, '5\n', 'exit status from the TERM trap');
  t.equal(podman(['logs', 'stopTrap']).stdout, 'ready\ngot-term\n');

  r = podman(['stop', '-t', '1', 'stopIgnore']);
  t.equal(r.status, 0, r.stderr);
  t.ok(r.ms >= 1000, `waited the timeout before SIGKILL (${r.ms} ms)`);
  t.match(r.stderr, /resorting to SIGKILL/);
  t.equal(podman(['wait', 'stopIgnore']).stdout, '137\n', 'killed by SIGKILL');

  r = podman(['kill', '-s', 'USR1', 'killUsr1']);
  t.equal(r.status, 0, r.stderr);
  t.equal(podman(['wait', 'killUsr1']).stdout, '9\n', 'the signal given reached the trap');
  t.equal(podman(['logs', 'killUsr1']).stdout, 'ready\ngot-usr1\n');

  r = podman(['kill', 'killDefault']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'killDefault\n');
  t.equal(podman(['wait', 'killDefault']).stdout, '137\n', 'podman kill sends SIGKILL by default');

  r = podman(['kill', 'killDefault']);
  t.not(r.status, 0, 'kill of a stopped container fails');
  t.match(r.stderr, /can only kill running containers/);
});

t.test('podman top, pause and unpause', async (t) => {
  const r = run(['-d', '--name', 'top1'], ['/bin/sh', '-c', 'sleep 300 & wait']);
  t.equal(r.status, 0, r.stderr);
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'top1']); });
  const pid = Number(podman(['inspect', '--format', '{{.State.Pid}}', 'top1']).stdout);
  t.ok(pid > 1, 'Podman knows the host pid of the container process');
  t.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^\/bin\/sh\0-c\0sleep 300 & wait\0$/);
  t.ok(r.id && existsSync(join(RUNTIME_ROOT, r.id)), `the runtime under test holds the container (${RUNTIME_ROOT})`);

  let top = podman(['top', 'top1']);
  for (let i = 0; i < 50 && !top.stdout.includes('sleep 300 '); i++) {
    await sleep(100);
    top = podman(['top', 'top1']);
  }
  t.equal(top.status, 0, top.stderr);
  const lines = top.stdout.trim().split('\n');
  t.match(lines[0], /^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND$/);
  t.match(top.stdout, /\nroot\s+1\s+0\s.*\/bin\/sh -c sleep 300 & wait/, 'the container process is PID 1');
  t.match(top.stdout, /\nroot\s+\d+\s+1\s.*sleep 300/, 'its child is listed');
  t.equal(lines.length, 3, 'no other process (no runtime or init left behind)');

  const custom = podman(['top', 'top1', 'pid', 'comm']);
  t.equal(custom.status, 0, custom.stderr);
  t.match(custom.stdout, /^PID\s+COMMAND\n1\s+sh\n\d+\s+sleep\n$/);

  let p = podman(['pause', 'top1']);
  t.equal(p.status, 0, p.stderr);
  t.equal(podman(['inspect', '--format', '{{.State.Status}}', 'top1']).stdout, 'paused\n');
  p = podman(['unpause', 'top1']);
  t.equal(p.status, 0, p.stderr);
  t.equal(podman(['inspect', '--format', '{{.State.Status}}', 'top1']).stdout, 'running\n');
});

t.test('podman run --memory --pids-limit, then podman update: the limits reach the cgroup', async (t) => {
  const r = run(['-d', '--name', 'upd1', '--memory', '64m', '--pids-limit', '100'], ['/bin/sleep', '300']);
  t.equal(r.status, 0, r.stderr);
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'upd1']); });
  const pid = Number(podman(['inspect', '--format', '{{.State.Pid}}', 'upd1']).stdout);
  const dir = (controller: string) => {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller))!;
    return `/sys/fs/cgroup/${controller}${line.split(':').slice(2).join(':')}`;
  };
  const read = (controller: string, file: string) => readFileSync(join(dir(controller), file), 'utf8').trim();
  t.equal(read('memory', 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  t.equal(read('pids', 'pids.max'), '100');
  const u = podman(['update', '--memory', '128m', '--cpu-shares', '512', 'upd1']);
  t.equal(u.status, 0, u.stderr);
  t.equal(read('memory', 'memory.limit_in_bytes'), String(128 * 1024 * 1024), 'update changed the memory limit');
  t.equal(read('cpu', 'cpu.shares'), '512', 'and the cpu shares');
  t.equal(read('pids', 'pids.max'), '100', 'and left the pids limit alone');
});

t.test('podman run -t gives the container a terminal', async (t) => {
  const cmd = ['podman', ...GLOBAL, 'run', '--rm', '-t', ...RUN, '--rootfs', rootfs,
    '/bin/sh', '-c', 'tty; stty size; [ -t 0 ] && [ -t 1 ] && echo "stdio is a tty"; echo "TERM=$TERM"; exit 6'];
  // script(1) runs Podman on a pty of its own; stty gives that pty a size to pass on.
  const line = `stty rows 40 cols 100 && exec ${cmd.map(shellQuote).join(' ')}`;
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.equal(r.status, 6, `exit status through the terminal; output: ${JSON.stringify(r.stdout)} ${r.stderr}`);
  t.equal(r.stdout, '/dev/pts/0\r\n40 100\r\nstdio is a tty\r\nTERM=xterm\r\n', 'pty slave as stdio, with the caller\'s size');
});

t.test('podman run -d, then podman logs', async (t) => {
  const r = run(['-d', '--name', 'logs1'], ['/bin/sh', '-c', 'echo line1; echo line2 >&2; echo line3']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^[0-9a-f]{64}\n$/, 'prints only the container id');
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'logs1']); });
  const w = podman(['wait', 'logs1']);
  t.equal(w.stdout, '0\n', w.stderr);
  const logs = podman(['logs', 'logs1']);
  t.equal(logs.status, 0, logs.stderr);
  t.equal(logs.stdout, 'line1\nline3\n');
  t.equal(logs.stderr, 'line2\n');
  t.equal(podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'logs1']).stdout, 'exited 0\n');
});

t.test('podman run --rm /bin/true: ocirt and runc timings (median of 5)', async (t) => {
  const times: Record<string, number[]> = { ocirt: [], runc: [] };
  for (let i = 0; i < 5; i++) {
    for (const [name, runtime] of [['ocirt', OCIRT], ['runc', '/usr/sbin/runc']] as const) {
      const r = run(['--rm'], ['/bin/true'], { runtime });
      t.equal(r.status, 0, `${name}: ${r.stderr}`);
      times[name]!.push(r.ms);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  t.comment(`podman run --rm /bin/true, median of 5: ocirt ${median(times.ocirt!)} ms, runc ${median(times.runc!)} ms`);
});

t.test('nothing is left behind', async (t) => {
  const rm = podman(['rm', '-a', '-f', '-t', '0']);
  t.equal(rm.status, 0, rm.stderr);
  t.equal(podman(['ps', '-a', '-q']).stdout, '', 'no container in Podman');
  t.ok(ids.size >= 10, `checked ${ids.size} containers`);
  for (const id of ids) {
    t.notOk(existsSync(join(RUNTIME_ROOT, id)), `runtime state of ${id.slice(0, 12)} removed`);
    t.same(harness.containerCgroups(id), [], `cgroups of ${id.slice(0, 12)} removed`);
  }
  t.same(processesWith(work), [], 'no conmon or other process of this test runs');
  t.same(mountsUnder(work), [], 'nothing mounted under the temp dir');
  t.equal(existsSync('/var/lib/containers'), varLibContainersBefore, 'nothing in /var/lib/containers');
});
