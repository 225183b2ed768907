// A Podman pod run by the runtime under test: the pod's infra container (from the busybox
// rootfs imported as a local image: there is no registry here) holds the network, IPC and
// UTS namespaces, two containers in the pod join them, and `podman pod rm -f` leaves no
// process, mount, cgroup, runtime state, network namespace or firewall rule behind. The
// pod uses Podman's default bridge network (netavark), which needs no outside access.
// Run with OCIRT_BIN=/usr/sbin/runc to check the test against runc.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRootfs, findCgroupDirs, mountsUnder, processesWith, requireRoot } from './helpers.js';
import { PodmanHarness } from './podman-harness.js';

t.setTimeout(120_000);
requireRoot();
if (spawnSync('podman', ['--version']).status !== 0) throw new Error('this test needs podman and conmon (apt-get install -y podman)');
ensureRootfs();

const IMAGE = 'localhost/ocirt-busybox:latest';
const POD = 'pod1';
const SHARED = ['net', 'ipc', 'uts'];
const bridgeBefore = existsSync('/sys/class/net/podman0');

const harness = new PodmanHarness({ prefix: 'ocirt-podman-pods-', bridgeNetwork: true });
t.teardown(() => harness.cleanup());
harness.importRootfs(IMAGE);
const podman = (args: string[]) => harness.podman(args);

const inspect = (format: string, name: string) => podman(['inspect', '--format', format, name]).stdout.trim();
const nsOf = (pid: number, ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

interface Member { name: string; id: string; pid: number }
const members: Member[] = [];
let sandboxKey = '';
let podId = '';

t.test('two containers in a pod share its network, IPC and UTS namespaces', async (t) => {
  const pod = podman(['pod', 'create', '--name', POD, '--infra-image', IMAGE, '--infra-command', '/bin/sleep 100000']);
  t.equal(pod.status, 0, pod.stderr);
  podId = pod.stdout.trim();
  const shared = (JSON.parse(podman(['pod', 'inspect', '--format', '{{json .SharedNamespaces}}', POD]).stdout) as string[]).sort();
  t.same(shared, SHARED.slice().sort(), 'Podman shares the default namespaces');
  for (const name of ['c1', 'c2']) {
    const r = podman(['run', '-d', '--pod', POD, '--name', name, IMAGE, '/bin/sleep', '300']);
    t.equal(r.status, 0, `${name} runs in the pod: ${r.stderr}`);
  }
  const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', POD]).stdout.trim();
  t.match(infra, /^[0-9a-f]{64}$/, 'the pod has an infra container');
  for (const name of [infra, 'c1', 'c2']) {
    members.push({ name: name === infra ? 'infra' : name, id: inspect('{{.Id}}', name), pid: Number(inspect('{{.State.Pid}}', name)) });
  }
  for (const m of members) {
    t.ok(m.pid > 1, `${m.name} runs (host pid ${m.pid})`);
    t.ok(existsSync(join(harness.runtimeRoot, m.id)), `the runtime under test holds ${m.name} (${harness.runtimeRoot})`);
  }
  t.equal(inspect('{{.State.Status}}', infra), 'running', 'the infra container runs');
  sandboxKey = inspect('{{.NetworkSettings.SandboxKey}}', infra);
  t.match(sandboxKey, /^\/run\/netns\/netns-/, 'Podman made the pod a network namespace');

  const [first, ...rest] = members;
  for (const ns of SHARED) {
    t.not(nsOf(first!.pid, ns), readlinkSync(`/proc/self/ns/${ns}`), `the pod has its own ${ns} namespace`);
    for (const m of rest) t.equal(nsOf(m.pid, ns), nsOf(first!.pid, ns), `${m.name} is in the infra's ${ns} namespace`);
  }
  t.not(nsOf(members[1]!.pid, 'pid'), nsOf(members[2]!.pid, 'pid'), 'each container keeps its own PID namespace');
  t.not(nsOf(members[1]!.pid, 'mnt'), nsOf(members[2]!.pid, 'mnt'), 'and its own mount namespace');

  // The same, seen from inside: namespaces, hostname, interfaces and addresses.
  const view = (name: string) => podman(['exec', name, '/bin/sh', '-c',
    'for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname; ip -o addr show | sed "s/valid_lft.*//"']);
  const c1 = view('c1');
  const c2 = view('c2');
  t.equal(c1.status, 0, c1.stderr);
  t.equal(c2.stdout, c1.stdout, 'c1 and c2 see the same namespaces, hostname and addresses');
  t.equal(c1.stdout.split('\n')[3], POD, 'the hostname is the pod\'s name');
  t.match(c1.stdout, /\d+: lo\s+inet 127\.0\.0\.1\/8/, 'loopback');
  t.match(c1.stdout, /\d+: eth0\s+inet \d+\.\d+\.\d+\.\d+\/\d+ /, 'the pod\'s interface on the default network');

  // IPC: the pod's /dev/shm is one, shared.
  const w = podman(['exec', 'c1', '/bin/sh', '-c', 'echo from-c1 > /dev/shm/shared']);
  t.equal(w.status, 0, w.stderr);
  t.equal(podman(['exec', 'c2', '/bin/cat', '/dev/shm/shared']).stdout, 'from-c1\n', 'c2 reads what c1 wrote to /dev/shm');
});

t.test('podman pod rm -f leaves nothing behind', async (t) => {
  t.equal(members.length, 3, 'the pod ran');
  const rm = podman(['pod', 'rm', '-f', '-t', '0', POD]);
  t.equal(rm.status, 0, rm.stderr);
  t.equal(podman(['pod', 'ls', '-q']).stdout, '', 'no pod in Podman');
  t.equal(podman(['ps', '-a', '-q']).stdout, '', 'no container in Podman');
  for (const m of members) {
    t.notOk(existsSync(join(harness.runtimeRoot, m.id)), `runtime state of ${m.name} removed`);
    t.same(findCgroupDirs(`libpod-${m.id}`), [], `cgroups of ${m.name} removed`);
    t.notOk(existsSync(`/proc/${m.pid}`), `process of ${m.name} gone`);
  }
  // Podman 4.3 leaves the pod's (empty) dir in the named systemd and the unified
  // hierarchies whatever the runtime (runc too); the harness removes those.
  const podCgroups = () => findCgroupDirs(podId).filter((d) => !/^\/sys\/fs\/cgroup\/(systemd|unified)\//.test(d));
  t.same(podCgroups(), [], 'the pod\'s cgroups removed');
  t.notOk(existsSync(sandboxKey), 'the pod\'s network namespace removed');
  t.same(processesWith(harness.work), [], 'no conmon or other process of this test runs');
  t.same(mountsUnder(harness.work), [], 'nothing mounted under the temp dir');
  t.same(mountsUnder(sandboxKey), [], 'the network namespace is not mounted');

  harness.cleanup();
  t.same(harness.firewallLeftovers(), [], 'no netavark firewall rule left');
  t.same(findCgroupDirs(podId), [], 'no cgroup of the pod left in any hierarchy');
  t.equal(existsSync('/sys/class/net/podman0'), bridgeBefore, 'the bridge is gone with the last container');
  t.notOk(existsSync(harness.work), 'temp dir removed');
});
