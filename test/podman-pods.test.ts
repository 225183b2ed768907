// Podman pods run by the runtime under test: each pod's infra container (from the busybox
// rootfs imported as a local image: there is no registry here) holds the network, IPC and
// UTS namespaces, two containers in the pod join them, and `podman pod rm -f` leaves no
// process, mount, cgroup, runtime state, network namespace or firewall rule behind. One pod
// is on Podman's default bridge network (netavark; it needs no outside access), one has a
// network namespace with no network (`--network none`: the loopback only).
// Run with OCIRT_BIN=/usr/sbin/runc to check the test against runc.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRootfs, findCgroupDirs, mountsUnder, processesWith, requireRoot } from './helpers.js';
import { PodmanHarness } from './podman-harness.js';
import { sleepSync } from '../src/sleep.js';

t.setTimeout(120_000);
requireRoot();
if (spawnSync('podman', ['--version']).status !== 0) throw new Error('this test needs podman and conmon (apt-get install -y podman)');
ensureRootfs();

const IMAGE = 'localhost/ocirt-busybox:latest';
const SHARED = ['ipc', 'net', 'uts'];
const bridgeBefore = existsSync('/sys/class/net/podman0');

const harness = new PodmanHarness({ prefix: 'ocirt-podman-pods-', bridgeNetwork: true });
t.teardown(() => harness.cleanup());
harness.importRootfs(IMAGE);
const podman = (args: string[]) => harness.podman(args);

const inspect = (format: string, name: string) => podman(['inspect', '--format', format, name]).stdout.trim();
const nsOf = (pid: number, ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

interface Member { name: string; id: string; pid: number }
interface Pod { name: string; id: string; members: Member[]; sandboxKey: string }
const pods: Pod[] = [];

/** Makes pod `name` (pod create `flags`) with containers `<name>-c1` and `<name>-c2`, and checks what they share. */
function checkPod(t: Test, name: string, flags: string[], network: 'bridge' | 'none'): void {
  const created = podman(['pod', 'create', '--name', name, ...flags, '--infra-image', IMAGE, '--infra-command', '/bin/sleep 100000']);
  t.equal(created.status, 0, created.stderr);
  const pod: Pod = { name, id: created.stdout.trim(), members: [], sandboxKey: '' };
  pods.push(pod);
  const shared = (JSON.parse(podman(['pod', 'inspect', '--format', '{{json .SharedNamespaces}}', name]).stdout) as string[]).sort();
  t.same(shared, SHARED, 'Podman shares the default namespaces');
  const [c1, c2] = [`${name}-c1`, `${name}-c2`];
  for (const c of [c1, c2]) {
    const r = podman(['run', '-d', '--pod', name, '--name', c, IMAGE, '/bin/sleep', '300']);
    t.equal(r.status, 0, `${c} runs in the pod: ${r.stderr}`);
  }
  const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
  t.match(infra, /^[0-9a-f]{64}$/, 'the pod has an infra container');
  for (const c of [infra, c1, c2]) {
    pod.members.push({ name: c === infra ? `${name} infra` : c, id: inspect('{{.Id}}', c), pid: Number(inspect('{{.State.Pid}}', c)) });
  }
  for (const m of pod.members) {
    t.ok(m.pid > 1, `${m.name} runs (host pid ${m.pid})`);
    t.ok(existsSync(join(harness.runtimeRoot, m.id)), `the runtime under test holds ${m.name} (${harness.runtimeRoot})`);
  }
  if (network === 'bridge') {
    pod.sandboxKey = inspect('{{.NetworkSettings.SandboxKey}}', infra);
    t.match(pod.sandboxKey, /^\/run\/netns\/netns-/, 'Podman made the pod a network namespace');
  }

  const [first, ...rest] = pod.members;
  for (const ns of SHARED) {
    t.not(nsOf(first!.pid, ns), readlinkSync(`/proc/self/ns/${ns}`), `the pod has its own ${ns} namespace`);
    for (const m of rest) t.equal(nsOf(m.pid, ns), nsOf(first!.pid, ns), `${m.name} is in the infra's ${ns} namespace`);
  }
  t.not(nsOf(rest[0]!.pid, 'pid'), nsOf(rest[1]!.pid, 'pid'), 'each container keeps its own PID namespace');
  t.not(nsOf(rest[0]!.pid, 'mnt'), nsOf(rest[1]!.pid, 'mnt'), 'and its own mount namespace');

  // The same, seen from inside: namespaces, hostname, interfaces and addresses (an IPv6
  // address is `tentative` until its duplicate check ends, which may be between the two views).
  const view = (c: string) => podman(['exec', c, '/bin/sh', '-c',
    'for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname; ip -o link show | sed "s/ mtu.*//"; ip -o addr show | sed "s/valid_lft.*//; s/ tentative//"']);
  const v1 = view(c1);
  const v2 = view(c2);
  t.equal(v1.status, 0, v1.stderr);
  t.equal(v2.stdout, v1.stdout, 'both see the same namespaces, hostname, interfaces and addresses');
  t.equal(v1.stdout.split('\n')[3], name, 'the hostname is the pod\'s name');
  t.match(v1.stdout, /\n1: lo: <LOOPBACK,UP,LOWER_UP>\n/, 'the loopback is up');
  t.match(v1.stdout, /\d+: lo\s+inet 127\.0\.0\.1\/8/, 'with its address');
  if (network === 'bridge') t.match(v1.stdout, /\d+: eth0\s+inet \d+\.\d+\.\d+\.\d+\/\d+ /, 'the pod\'s interface on the default network');
  else t.notMatch(v1.stdout, /eth0/, 'no other interface');

  // The network namespace is one: c2 reaches what c1 listens on at 127.0.0.1.
  // Its stdin never ends: busybox nc -l may close the connection at stdin's end before it reads.
  const listen = podman(['exec', '-d', c1, '/bin/sh', '-c', 'sleep 600 | nc -l -p 7777 > /tmp/got']);
  t.equal(listen.status, 0, listen.stderr);
  let sent = podman(['exec', c2, '/bin/sh', '-c', 'echo over-lo | nc 127.0.0.1 7777']);
  // Bounded: until the listener is up.
  for (let i = 0; i < 50 && sent.status !== 0; i++) {
    sleepSync(100);
    sent = podman(['exec', c2, '/bin/sh', '-c', 'echo over-lo | nc 127.0.0.1 7777']);
  }
  t.equal(sent.status, 0, `c2 connects to c1 over the loopback: ${sent.stderr}`);
  let got = '';
  for (let i = 0; i < 50 && got !== 'over-lo\n'; i++) {
    if (i) sleepSync(100);
    got = podman(['exec', c1, '/bin/cat', '/tmp/got']).stdout;
  }
  t.equal(got, 'over-lo\n', 'c1 received it');

  // IPC: the pod's /dev/shm is one, shared.
  const w = podman(['exec', c1, '/bin/sh', '-c', 'echo from-c1 > /dev/shm/shared']);
  t.equal(w.status, 0, w.stderr);
  t.equal(podman(['exec', c2, '/bin/cat', '/dev/shm/shared']).stdout, 'from-c1\n', 'c2 reads what c1 wrote to /dev/shm');
}

t.test('a pod on the default network: its containers share its network, IPC and UTS namespaces', async (t) => {
  checkPod(t, 'pod1', [], 'bridge');
});

t.test('a pod with --network none: a network namespace with the loopback only, shared the same way', async (t) => {
  checkPod(t, 'pod2', ['--network', 'none'], 'none');
});

t.test('podman pod rm -f leaves nothing behind', async (t) => {
  t.equal(pods.length, 2, 'the pods ran');
  for (const pod of pods) {
    const rm = podman(['pod', 'rm', '-f', '-t', '0', pod.name]);
    t.equal(rm.status, 0, rm.stderr);
  }
  t.equal(podman(['pod', 'ls', '-q']).stdout, '', 'no pod in Podman');
  t.equal(podman(['ps', '-a', '-q']).stdout, '', 'no container in Podman');
  for (const pod of pods) {
    for (const m of pod.members) {
      t.notOk(existsSync(join(harness.runtimeRoot, m.id)), `runtime state of ${m.name} removed`);
      t.same(findCgroupDirs(`libpod-${m.id}`), [], `cgroups of ${m.name} removed`);
      t.notOk(existsSync(`/proc/${m.pid}`), `process of ${m.name} gone`);
    }
    // Podman 4.3 leaves the pod's (empty) dir in the named systemd and the unified
    // hierarchies whatever the runtime (runc too); the harness removes those.
    const podCgroups = findCgroupDirs(pod.id).filter((d) => !/^\/sys\/fs\/cgroup\/(systemd|unified)\//.test(d));
    t.same(podCgroups, [], `the cgroups of ${pod.name} removed`);
    if (pod.sandboxKey) {
      t.notOk(existsSync(pod.sandboxKey), `the network namespace of ${pod.name} removed`);
      t.same(mountsUnder(pod.sandboxKey), [], 'and not mounted');
    }
  }
  t.same(processesWith(harness.work), [], 'no conmon or other process of this test runs');
  t.same(mountsUnder(harness.work), [], 'nothing mounted under the temp dir');

  harness.cleanup();
  t.same(harness.firewallLeftovers(), [], 'no netavark firewall rule left');
  t.same(pods.flatMap((p) => findCgroupDirs(p.id)), [], 'no cgroup of the pods left in any hierarchy');
  t.equal(existsSync('/sys/class/net/podman0'), bridgeBefore, 'the bridge is gone with the last container');
  t.notOk(existsSync(harness.work), 'temp dir removed');
});
