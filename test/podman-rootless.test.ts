// Rootless Podman driving the runtime under test: the unprivileged user `ocirt-test`
// (subordinate ids 200000:65536, mapped by newuidmap/newgidmap from `uidmap`) runs
// `podman --runtime <bin> run --rm`, `exec` and `stop` with `--network none` (and a
// `--privileged` container with `--oom-score-adj`), on the
// busybox rootfs imported as a local image by that user. Podman's storage (vfs), run
// state, HOME and XDG_RUNTIME_DIR are temp dirs of that user, removed at the end with
// Podman's pause process. The runtime keeps its state in $XDG_RUNTIME_DIR/<its name>,
// as runc and crun do when run rootless. Run with OCIRT_BIN=/usr/sbin/runc (or crun)
// to check the test against another runtime.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants as fsc, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCIRT, REPO, TEST_USER, ensureRootfs, ensureTestUser, makeCheckoutReachableByTestUser, mountsUnder, processesWith, requireRoot } from './helpers.js';
import { PodmanHarness } from './podman-harness.js';
import { sleepSync } from '../src/sleep.js';

t.setTimeout(120_000);
requireRoot();
if (spawnSync('podman', ['--version']).status !== 0) throw new Error('this test needs podman and conmon (apt-get install -y podman)');
for (const p of ['/usr/bin/newuidmap', '/usr/bin/newgidmap']) {
  try { accessSync(p, fsc.X_OK); } catch { throw new Error(`this test needs ${p} (apt-get install -y uidmap)`); }
}
ensureRootfs();
const { uid, gid } = ensureTestUser();

// The user must be able to run the runtime (and, for bin/ocirt, load Koffi's native module).
makeCheckoutReachableByTestUser({ uid, gid });

/** A temp dir owned by the test user, mode 0700. */
function userDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chownSync(d, uid, gid);
  chmodSync(d, 0o700);
  return d;
}
const home = userDir('ocirt-podman-home-');
const runtimeDir = userDir('ocirt-podman-xdg-');
const removeUserDirs = () => {
  rmSync(home, { recursive: true, force: true });
  rmSync(runtimeDir, { recursive: true, force: true });
};
t.teardown(removeUserDirs);

const harness = new PodmanHarness({ prefix: 'ocirt-podman-rootless-', user: { name: TEST_USER, uid, gid, home, runtimeDir } });
t.teardown(() => harness.cleanup());
const IMAGE = 'localhost/ocirt-busybox:latest';
try {
  harness.importRootfs(IMAGE);
} catch (e) {
  removeUserDirs();
  throw e;
}
const podman = (args: string[]) => harness.podman(args);
const RUN = ['--network', 'none'];

const ids = new Set<string>();
/** `podman run <RUN> <flags> IMAGE <cmd>`, recording the container id through --cidfile. */
function run(flags: string[], cmd: string[]) {
  const cidFile = join(harness.work, 'cids', String(ids.size + 1));
  const r = podman(['run', '--cidfile', cidFile, ...RUN, ...flags, IMAGE, ...cmd]);
  const id = existsSync(cidFile) ? readFileSync(cidFile, 'utf8').trim() : '';
  if (id) ids.add(id);
  return { ...r, id };
}

t.test('rootless podman run --rm: the container\'s root is the user, the rest its sub-ids', async (t) => {
  const r = run(['--rm'], ['/bin/sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; echo to-stderr >&2; exit 7']);
  t.equal(r.status, 7, `the container's exit status: ${r.stderr}`);
  const [u, g, ...maps] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.equal(u, '0', 'uid 0 inside');
  t.equal(g, '0', 'gid 0 inside');
  t.same(maps, [`0 ${uid} 1`, '1 200000 65536', `0 ${gid} 1`, '1 200000 65536'], 'uid and gid maps: the user, then its subordinate range');
  t.equal(r.stderr, 'to-stderr\n');
  t.equal(podman(['ps', '-a', '-q']).stdout, '', '--rm removed the container');
});

/** The container's logs once they say `ready` (bounded: 10 s). */
function logsOnceReady(name: string): string {
  let logs = '';
  for (let i = 0; i < 100 && !logs.includes('ready'); i++) {
    if (i) sleepSync(100);
    logs = podman(['logs', name]).stdout;
  }
  return logs;
}

t.test('rootless podman exec and stop', async (t) => {
  const r = run(['-d', '--name', 'rl1'], ['/bin/sh', '-c', 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done']);
  t.equal(r.status, 0, r.stderr);
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'rl1']); });
  const logs = r.status === 0 ? logsOnceReady('rl1') : '';
  t.equal(logs, 'ready\n', 'the container runs and installed its trap');
  t.ok(r.id && existsSync(join(harness.runtimeRoot, r.id)), `the runtime under test holds the container (${harness.runtimeRoot})`);

  let x = podman(['exec', '-e', 'WHO=exec', 'rl1', '/bin/sh', '-c', 'echo "in $WHO as $(id -u)"; cat /proc/1/cmdline | tr "\\0" " "; echo; exit 4']);
  t.equal(x.status, 4, `the exec's exit status: ${x.stderr}`);
  t.match(x.stdout, /^in exec as 0\n\/bin\/sh -c trap /, 'runs beside the container process, with the env given');
  x = podman(['exec', 'rl1', '/nonexist']);
  t.equal(x.status, 127, 'a missing executable exits 127');

  const s = podman(['stop', '-t', '30', 'rl1']);
  t.equal(s.status, 0, s.stderr);
  t.notMatch(s.stderr, /SIGKILL/, 'stopped by SIGTERM, not by the SIGKILL after the timeout');
  t.equal(podman(['wait', 'rl1']).stdout, '3\n', 'exit status from the TERM trap');
  t.equal(podman(['logs', 'rl1']).stdout, 'ready\ngot-term\n');
  const rm = podman(['rm', 'rl1']);
  t.equal(rm.status, 0, rm.stderr);
});

t.test('rootless podman --privileged --oom-score-adj: the host\'s devices bound, oom_score_adj set for run and exec', async (t) => {
  const r = run(['-d', '--name', 'rl2', '--privileged', '--oom-score-adj', '100'], ['/bin/sh', '-c',
    'cat /proc/self/oom_score_adj; echo x >/dev/null && head -c 3 /dev/zero | wc -c; stat -c "%t:%T" /dev/full; echo ready; while :; do sleep 0.1; done']);
  t.equal(r.status, 0, r.stderr);
  t.teardown(() => { podman(['rm', '-f', '-t', '0', 'rl2']); });
  const logs = r.status === 0 ? logsOnceReady('rl2') : '';
  t.equal(logs.split('\n').map((l) => l.trim()).join('\n'), '100\n3\n1:7\nready\n', 'oom_score_adj 100; /dev/null, /dev/zero and /dev/full (1:7) usable');
  const x = podman(['exec', 'rl2', 'cat', '/proc/self/oom_score_adj']);
  t.equal(x.status, 0, x.stderr);
  t.equal(x.stdout, '100\n', 'the exec\'d process has it too');
  const rm = podman(['rm', '-f', '-t', '0', 'rl2']);
  t.equal(rm.status, 0, rm.stderr);
});

t.test('nothing is left behind', async (t) => {
  const rm = podman(['rm', '-a', '-f', '-t', '0']);
  t.equal(rm.status, 0, rm.stderr);
  t.equal(podman(['ps', '-a', '-q']).stdout, '', 'no container in Podman');
  t.ok(ids.size >= 3, `checked ${ids.size} containers`);
  for (const id of ids) t.notOk(existsSync(join(harness.runtimeRoot, id)), `runtime state of ${id.slice(0, 12)} removed`);
  t.same(processesWith(harness.work), [], 'no conmon or other process of this test runs');
  const pause = harness.pausePid();
  t.ok(pause, 'rootless Podman kept a pause process for the user\'s namespaces');
  harness.cleanup();
  t.notOk(pause && harness.isRunning(pause), 'the pause process is gone');
  t.same(mountsUnder(harness.work), [], 'nothing mounted under the temp dir');
  t.notOk(existsSync(harness.work), 'Podman\'s temp dir removed');
});
