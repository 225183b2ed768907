// containerd's CRI plugin runs pods with ocirt as a runtime handler: a private containerd
// (own mount namespace, every dir in a temp dir) whose CRI config is the one README gives,
// a local image built from the busybox rootfs, pods on a CNI bridge of this test's own, and
// the CRI `runtime.v1` API spoken over gRPC as the kubelet speaks it.
import t, { type Test } from 'tap';
import { SECCOMP_CACHE_DIR } from '../src/process/seccomp-cache.js';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { OCIRT, REPO, ROOTFS, requireRoot, ensureRootfs, findCgroupDirs, isAlive } from './helpers.js';
import {
  startContainerd, stopContainerd, sweepStale, ctrAt, cgroupParents, removeCgroupTree, killAll, removeShimSockets,
  deleteContainersUnder, lsDir, type Daemon,
} from './containerd-daemon.js';

const PREFIX = 'ocirt-cri-';
const RUNC = '/usr/sbin/runc';
const CNI_BIN = '/usr/lib/cni';
const BRIDGE = 'ocirt-cni0';
const SUBNET = '10.88.77';
const NETWORK = 'ocirt-cri-bridge';
const IMAGE = 'localhost/ocirt-cri-busybox:1';
const K8S_NS = 'k8s.io';
const PROTO = join(REPO, 'test/cri/runtime-v1.proto');

requireRoot();
const TOOLS = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'unshare', 'ip', 'iptables', 'tar', 'gzip', 'env'];
const missing = [
  ...TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0),
  ...['bridge', 'host-local', 'loopback'].map((p) => join(CNI_BIN, p)).filter((p) => !existsSync(p)),
  ...(existsSync(RUNC) ? [] : [RUNC]),
];
if (missing.length) {
  throw new Error(`this test needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins iptables iproute2 util-linux)`);
}
ensureRootfs();
t.setTimeout(170_000);

// ---------------------------------------------------------------------------------------------
// README snippets: the containerd handler, the RuntimeClass and CRI-O's table

/** The fenced block of README.md in `lang` that contains `marker`. */
function readmeBlock(lang: string, marker: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes(marker));
  if (!block) throw new Error(`README.md has no \`\`\`${lang} block with ${marker}`);
  return block;
}

const HANDLER_TOML = readmeBlock('toml', '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ocirt]');
const RUNTIME_CLASS = readmeBlock('yaml', 'kind: RuntimeClass');
const CRIO_TOML = readmeBlock('toml', '[crio.runtime.runtimes.ocirt]');
const README_BIN = '/path/to/ocirt/bin/ocirt';

// ---------------------------------------------------------------------------------------------
// The image: an OCI archive of the busybox rootfs, imported into containerd's k8s.io namespace

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Writes an OCI image layout holding ROOTFS as one layer, tagged `ref`, and tars it. */
function writeImageArchive(dir: string, ref: string): string {
  const layout = join(dir, 'image');
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const layerTar = join(dir, 'layer.tar');
  run('tar', ['--numeric-owner', '-C', ROOTFS, '-cf', layerTar, '.']);
  const diffId = `sha256:${sha256(readFileSync(layerTar))}`;
  run('gzip', ['-n', layerTar]);
  const layer = blob(readFileSync(`${layerTar}.gz`));
  rmSync(`${layerTar}.gz`);
  const config = blob(Buffer.from(JSON.stringify({
    architecture: { x64: 'amd64', arm64: 'arm64' }[arch()] ?? arch(),
    os: 'linux',
    config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sleep', '2147483647'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  })));
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  })));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      annotations: { 'org.opencontainers.image.ref.name': ref },
    }],
  }));
  const archive = join(dir, 'image.tar');
  run('tar', ['-C', layout, '-cf', archive, 'oci-layout', 'index.json', 'blobs']);
  rmSync(layout, { recursive: true });
  return archive;
}

// ---------------------------------------------------------------------------------------------
// The daemon, its CNI network and the host state the bridge plugin touches

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
let ipForward = '';

function cniConfig(dir: string): void {
  mkdirSync(join(dir, 'cni'));
  writeFileSync(join(dir, 'cni', '10-ocirt.conflist'), JSON.stringify({
    cniVersion: '1.0.0',
    name: NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        ipMasq: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: `${SUBNET}.0/24` }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: join(dir, 'cni-ipam'),
        },
      },
      { type: 'loopback' },
    ],
  }, null, 2));
}

function writeStub(dir: string): string {
  const stub = join(dir, 'stub-runtime');
  writeFileSync(stub, '#!/bin/sh\necho "stub runtime refuses $*" >&2\nexit 1\n');
  chmodSync(stub, 0o755);
  return stub;
}

function criConfig(dir: string): string[] {
  // Kept in the dir too, so the sweep after a killed run puts back the value from before it.
  ipForward = readFileSync(IP_FORWARD, 'utf8').trim();
  writeFileSync(join(dir, 'ip_forward'), ipForward);
  cniConfig(dir);
  return [
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${IMAGE}"`,
    // Root here lacks CAP_SYS_RESOURCE: an oom_score_adj below the daemon's own is refused.
    '  restrict_oom_score_adj = true',
    '  netns_mounts_under_state_dir = true',
    '  disable_apparmor = true',
    '  enable_selinux = false',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "ocirt"',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = "${CNI_BIN}"`,
    `    conf_dir = "${join(dir, 'cni')}"`,
    '    max_conf_num = 1',
    // README's handler, with the path of this build; Root keeps ocirt's state in the temp dir.
    HANDLER_TOML.replace(README_BIN, OCIRT).trimEnd(),
    `    Root = "${join(dir, 'runc')}"`,
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `    BinaryName = "${RUNC}"`,
    `    Root = "${join(dir, 'runc-runc')}"`,
    // A runtime that always fails: the scenarios depend on the runtime the handler names.
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.stub]',
    '  runtime_type = "io.containerd.runc.v2"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.stub.options]',
    `    BinaryName = "${writeStub(dir)}"`,
  ];
}

/** iptables nat rules that name our CNI network (the bridge plugin's ipMasq chains). */
const natRules = () => run('iptables', ['-t', 'nat', '-S']).split('\n').filter((l) => l.includes(`name: \\"${NETWORK}\\"`) || l.includes(`${SUBNET}.`));

/**
 * Removes the bridge, NAT rules of our network (the bridge plugin removes them on CNI DEL; these
 * are from a run killed before it), the CNI cache dirs libcni made if empty, and puts back
 * ip_forward (`isGateway` turns it on).
 */
function removeHostNetwork(forward: string): void {
  spawnSync('ip', ['link', 'del', BRIDGE]);
  const rules = natRules();
  // `iptables -S` prints each rule as shell words: hand them back to `iptables -D` through sh.
  for (const rule of rules.filter((r) => r.startsWith('-A '))) spawnSync('sh', ['-c', `iptables -t nat -D ${rule.slice(3)}`]);
  for (const chain of new Set(rules.map((r) => / -j (CNI-[0-9a-f]+)/.exec(r)?.[1]).filter((c) => c))) {
    spawnSync('iptables', ['-t', 'nat', '-F', chain!]);
    spawnSync('iptables', ['-t', 'nat', '-X', chain!]);
  }
  // libcni's cached results of our network's attachments (and of their loopback), left when
  // CNI DEL never ran.
  const cache = '/var/lib/cni/results';
  for (const name of lsDir(cache)) {
    const m = new RegExp(`^${NETWORK}-([0-9a-f]+)-eth0$`).exec(name);
    if (!m) continue;
    rmSync(join(cache, name), { force: true });
    rmSync(join(cache, `cni-loopback-${m[1]}-lo`), { force: true });
  }
  // rmdir removes them only if empty: nothing of another CNI user goes.
  for (const d of ['/var/lib/cni/results', '/var/lib/cni']) try { rmdirSync(d); } catch { /* in use or not empty */ }
  if (forward) writeFileSync(IP_FORWARD, `${forward}\n`);
}

sweepStale(PREFIX, (dir) => {
  deleteContainersUnder(join(dir, 'runc-runc'), RUNC);
  removeHostNetwork(existsSync(join(dir, 'ip_forward')) ? readFileSync(join(dir, 'ip_forward'), 'utf8').trim() : '');
});
const D: Daemon = await startContainerd({
  prefix: PREFIX,
  cri: true,
  ns: K8S_NS,
  // Its own mount namespace: the netns and rootfs mounts it makes are out of every other
  // test's reach (and go away with it).
  wrap: ['unshare', '--mount', '--propagation', 'private'],
  config: criConfig,
});
const CGROUP_PARENT = `/${PREFIX}${process.pid}`;

/** Mount points of containerd's mount namespace. */
const daemonMounts = () => readFileSync(`/proc/${D.proc.pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter(Boolean);

// ---------------------------------------------------------------------------------------------
// The CRI client

const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const api = (grpc.loadPackageDefinition(definition) as any).runtime.v1;
const client: grpc.Client = new api.RuntimeService(`unix://${D.sock}`, grpc.credentials.createInsecure());
const images: grpc.Client = new api.ImageService(`unix://${D.sock}`, grpc.credentials.createInsecure());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = Record<string, any>;

/** One unary CRI call, bounded by a deadline; an error names the method. */
function call(method: string, req: Msg, ms = 60_000, service = client): Promise<Msg> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (service as any)[method](req, { deadline: Date.now() + ms }, (err: grpc.ServiceError | null, res: Msg) => {
      if (err) reject(new Error(`${method}: ${err.details || err.message}`));
      else resolve(res);
    });
  });
}

const pods: string[] = [];
t.teardown(async () => {
  for (const id of pods.reverse()) {
    await call('StopPodSandbox', { pod_sandbox_id: id }).catch(() => {});
    await call('RemovePodSandbox', { pod_sandbox_id: id }).catch(() => {});
  }
  client.close();
  images.close();
  await stopContainerd(D);
  killAll(D.dir);
  removeShimSockets(D.dir);
  deleteContainersUnder(join(D.dir, 'runc'));
  deleteContainersUnder(join(D.dir, 'runc-runc'), RUNC);
  rmSync(D.dir, { recursive: true, force: true });
  for (const p of cgroupParents(CGROUP_PARENT.slice(1))) removeCgroupTree(p);
  removeHostNetwork(ipForward);
});


const archive = writeImageArchive(D.dir, IMAGE);
const imported = ctrAt(D, ['images', 'import', '--snapshotter', 'overlayfs', archive]);
if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
rmSync(archive);
// The CRI plugin learns of the image from containerd's events: wait until it knows it, or
// RunPodSandbox would try to pull the sandbox image from a registry.
if (!await until(async () => Boolean((await call('ImageStatus', { image: { image: IMAGE } }, 10_000, images)).image?.id))) {
  throw new Error(`the CRI plugin does not list ${IMAGE} after ctr images import`);
}

let n = 0;

interface PodOptions { handler?: string; pid?: 'POD' | 'CONTAINER' }

function podConfig(name: string, o: PodOptions): Msg {
  return {
    metadata: { name, uid: `${name}-${process.pid}`, namespace: 'ocirt-test', attempt: 0 },
    hostname: name,
    linux: {
      cgroup_parent: CGROUP_PARENT,
      security_context: { namespace_options: { network: 'POD', pid: o.pid ?? 'CONTAINER', ipc: 'POD' } },
    },
  };
}

interface Pod { id: string; config: Msg }

async function runPod(what: string, o: PodOptions = {}): Promise<Pod> {
  const config = podConfig(`${what}-${++n}`, o);
  const { pod_sandbox_id: id } = await call('RunPodSandbox', { config, runtime_handler: o.handler ?? 'ocirt' });
  pods.push(id);
  return { id, config };
}

async function removePod(pod: Pod): Promise<void> {
  await call('StopPodSandbox', { pod_sandbox_id: pod.id });
  await call('RemovePodSandbox', { pod_sandbox_id: pod.id });
  pods.splice(pods.indexOf(pod.id), 1);
}

interface ContainerOptions {
  resources?: Msg;
  seccomp?: 'RuntimeDefault' | 'Unconfined';
  pid?: 'POD' | 'CONTAINER';
}

async function createContainer(pod: Pod, name: string, command: string[], o: ContainerOptions = {}): Promise<string> {
  const { container_id: id } = await call('CreateContainer', {
    pod_sandbox_id: pod.id,
    config: {
      metadata: { name, attempt: 0 },
      image: { image: IMAGE },
      command,
      linux: {
        resources: o.resources ?? {},
        security_context: {
          namespace_options: { network: 'POD', pid: o.pid ?? pod.config.linux.security_context.namespace_options.pid, ipc: 'POD' },
          seccomp: { profile_type: o.seccomp ?? 'RuntimeDefault' },
        },
      },
    },
    sandbox_config: pod.config,
  });
  return id;
}

async function startedContainer(pod: Pod, name: string, command: string[], o: ContainerOptions = {}): Promise<string> {
  const id = await createContainer(pod, name, command, o);
  await call('StartContainer', { container_id: id });
  return id;
}

async function status(id: string): Promise<{ status: Msg; pid: number }> {
  const r = await call('ContainerStatus', { container_id: id, verbose: true });
  const info = r.info?.info ? JSON.parse(r.info.info) : {};
  return { status: r.status, pid: Number(info.pid ?? 0) };
}

async function sandboxPid(pod: Pod): Promise<number> {
  const r = await call('PodSandboxStatus', { pod_sandbox_id: pod.id, verbose: true });
  return Number(JSON.parse(r.info.info).pid);
}

async function podIp(pod: Pod): Promise<string> {
  const r = await call('PodSandboxStatus', { pod_sandbox_id: pod.id });
  return r.status.network.ip;
}

async function exec(id: string, cmd: string[], timeout = 20): Promise<{ stdout: string; stderr: string; code: number }> {
  const r = await call('ExecSync', { container_id: id, cmd, timeout });
  return { stdout: Buffer.from(r.stdout).toString(), stderr: Buffer.from(r.stderr).toString(), code: r.exit_code };
}

const nsOf = (pid: number, ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);

/** The cgroup path of `pid` for `controller` (v1) or the unified hierarchy (v2), under /sys/fs/cgroup. */
function cgroupDir(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const v1 = lines.find((l) => l.split(':')[1]!.split(',').includes(controller));
  if (v1) return join('/sys/fs/cgroup', controller, v1.split(':').slice(2).join(':'));
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (!v2) throw new Error(`no ${controller} cgroup for ${pid}`);
  return join('/sys/fs/cgroup', v2.slice(3));
}


/** Waits (bounded) until `check` holds; returns whether it did. */
async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (await check()) return true;
  return check();
}

// ---------------------------------------------------------------------------------------------
// Scenarios

t.test('README: containerd handler, RuntimeClass and CRI-O table', async (t) => {
  t.match(HANDLER_TOML, /runtime_type = "io\.containerd\.runc\.v2"/);
  t.match(HANDLER_TOML, new RegExp(`BinaryName = "${README_BIN}"`), 'the daemon above runs this snippet, path replaced');
  const v = await call('Version', { version: 'v1' });
  t.equal(v.runtime_name, 'containerd', 'the CRI plugin came up with that config');
  const field = (text: string, key: string) => new RegExp(`^\\s*${key}:\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1];
  t.equal(field(RUNTIME_CLASS, 'apiVersion'), 'node.k8s.io/v1');
  t.equal(field(RUNTIME_CLASS, 'kind'), 'RuntimeClass');
  t.equal(field(RUNTIME_CLASS, 'handler'), 'ocirt', 'the RuntimeClass names the handler the daemon has');
  const crio = Object.fromEntries(CRIO_TOML.split('\n').map((l) => /^(\w+)\s*=\s*"(.*)"$/.exec(l.trim())).filter((m) => m).map((m) => [m![1], m![2]]));
  t.same(crio, { runtime_path: README_BIN, runtime_type: 'oci', runtime_root: '/run/ocirt' }, 'CRI-O table keys');
});

t.test('a pod with handler ocirt: containers share net, IPC and UTS, not PID; limits, seccomp, exec, stats, stop, removal', async (t) => {
  const pod = await runPod('pod');
  const st = await call('PodSandboxStatus', { pod_sandbox_id: pod.id });
  t.equal(st.status.state, 'SANDBOX_READY');
  t.equal(st.status.runtime_handler, 'ocirt');
  const ip = st.status.network.ip;
  t.match(ip, new RegExp(`^${SUBNET.replace(/\./g, '\\.')}\\.\\d+$`), 'the pod has an address from the host-local range');
  const sandbox = await sandboxPid(pod);
  t.ok(existsSync(join(D.dir, 'runc', K8S_NS, pod.id)), "ocirt's root holds the sandbox: ocirt runs it");

  const limits = { cpu_period: 100_000, cpu_quota: 50_000, memory_limit_in_bytes: 64 * 1024 * 1024 };
  const a = await startedContainer(pod, 'a', ['/bin/sleep', '3600'], { resources: limits });
  const b = await startedContainer(pod, 'b', ['/bin/sh', '-c', 'trap "exit 42" TERM; while :; do sleep 0.1; done']);
  const sa = await status(a);
  const sb = await status(b);
  t.equal(sa.status.state, 'CONTAINER_RUNNING');
  t.equal(sb.status.state, 'CONTAINER_RUNNING');
  t.ok(sa.pid > 0 && sb.pid > 0, 'ContainerStatus gives the pids');

  for (const ns of ['net', 'ipc', 'uts']) {
    t.equal(nsOf(sa.pid, ns), nsOf(sandbox, ns), `a is in the pod's ${ns} namespace`);
    t.equal(nsOf(sb.pid, ns), nsOf(sandbox, ns), `b is in the pod's ${ns} namespace`);
  }
  t.not(nsOf(sa.pid, 'pid'), nsOf(sb.pid, 'pid'), 'a and b have PID namespaces of their own');
  t.not(nsOf(sa.pid, 'pid'), nsOf(sandbox, 'pid'), "a is not in the sandbox's PID namespace");
  const netA = await exec(a, ['/bin/busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
  const netB = await exec(b, ['/bin/busybox', 'ip', '-4', '-o', 'addr', 'show', 'eth0']);
  t.equal(netA.code, 0, netA.stderr);
  t.match(netA.stdout, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24`), 'eth0 holds the pod IP');
  t.equal(netB.stdout, netA.stdout, 'both containers see the same eth0 and address');
  t.equal((await exec(b, ['/bin/hostname'])).stdout, (await exec(a, ['/bin/hostname'])).stdout, 'same hostname');
  t.equal((await exec(a, ['/bin/hostname'])).stdout.trim(), pod.config.hostname);
  t.equal((await exec(a, ['/bin/cat', '/proc/1/cmdline'])).stdout, '/bin/sleep\u00003600\u0000', "a's PID 1 is its own command");

  // cgroups: under the pod's parent, limits written.
  for (const pid of [sa.pid, sb.pid, sandbox]) {
    t.ok(cgroupDir(pid, 'memory').startsWith(join('/sys/fs/cgroup', 'memory', CGROUP_PARENT) + '/') ||
      cgroupDir(pid, 'memory').startsWith(join('/sys/fs/cgroup', CGROUP_PARENT) + '/'), `cgroup of ${pid} is under ${CGROUP_PARENT}`);
  }
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (v2) {
    t.equal(readFileSync(join(cgroupDir(sa.pid, 'cpu'), 'cpu.max'), 'utf8').trim(), '50000 100000');
    t.equal(readFileSync(join(cgroupDir(sa.pid, 'memory'), 'memory.max'), 'utf8').trim(), String(limits.memory_limit_in_bytes));
  } else {
    t.equal(readFileSync(join(cgroupDir(sa.pid, 'cpu'), 'cpu.cfs_quota_us'), 'utf8').trim(), '50000', 'cpu quota');
    t.equal(readFileSync(join(cgroupDir(sa.pid, 'cpu'), 'cpu.cfs_period_us'), 'utf8').trim(), '100000', 'cpu period');
    t.equal(readFileSync(join(cgroupDir(sa.pid, 'memory'), 'memory.limit_in_bytes'), 'utf8').trim(), String(limits.memory_limit_in_bytes));
  }

  // RuntimeDefault seccomp: filter on, and a user namespace (allowed only with CAP_SYS_ADMIN) refused.
  t.match((await exec(a, ['/bin/grep', '^Seccomp:', '/proc/1/status'])).stdout, /^Seccomp:\s+2$/m, 'the init runs under a filter');
  const userns = await exec(a, ['/bin/busybox', 'unshare', '-U', '/bin/true']);
  t.not(userns.code, 0, 'unshare(CLONE_NEWUSER) is refused under RuntimeDefault');
  t.match(userns.stderr, /Operation not permitted/);
  const free = await startedContainer(pod, 'unconfined', ['/bin/sleep', '3600'], { seccomp: 'Unconfined' });
  t.match((await exec(free, ['/bin/grep', '^Seccomp:', '/proc/1/status'])).stdout, /^Seccomp:\s+0$/m);
  const ok = await exec(free, ['/bin/busybox', 'unshare', '-U', '/bin/true']);
  t.equal(ok.code, 0, `the same call succeeds unconfined: ${ok.stderr}`);

  // ExecSync: output on both streams and the exit code.
  const e = await exec(a, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.same(e, { stdout: 'out\n', stderr: 'err\n', code: 3 });

  const stats = (await call('ContainerStats', { container_id: a })).stats;
  t.equal(stats.attributes.id, a);
  t.ok(Number(stats.cpu.usage_core_nano_seconds.value) > 0, 'cpu usage');
  t.ok(Number(stats.memory.working_set_bytes.value) > 0, 'memory working set');

  // StopContainer: b traps SIGTERM and exits 42; a (sleep as PID 1) ignores it and is killed at the timeout.
  await call('StopContainer', { container_id: b, timeout: 30 });
  let s = (await status(b)).status;
  t.equal(s.state, 'CONTAINER_EXITED');
  t.equal(s.exit_code, 42, "the trap's exit code");
  const t0 = performance.now();
  await call('StopContainer', { container_id: a, timeout: 2 });
  const waited = performance.now() - t0;
  s = (await status(a)).status;
  t.equal(s.state, 'CONTAINER_EXITED');
  t.equal(s.exit_code, 137, 'SIGKILL after the grace period');
  t.ok(waited >= 1900, `StopContainer waited the grace period before SIGKILL (${waited.toFixed(0)} ms)`);
  t.notOk(isAlive(sa.pid) || isAlive(sb.pid), 'both processes are gone');
  const freePid = (await status(free)).pid;

  const ids = [a, b, free];
  // `free` still runs: RemovePodSandbox stops and removes it.
  for (const id of [a, b]) await call('RemoveContainer', { container_id: id });
  await removePod(pod);
  t.notOk(isAlive(sandbox), 'the sandbox process is gone');
  t.notOk(isAlive(freePid), 'the container left running is gone with its pod');
  for (const id of [...ids, pod.id]) {
    t.notOk(existsSync(join(D.dir, 'runc', K8S_NS, id)), `no ocirt state dir for ${id.slice(0, 12)}`);
    t.same(findCgroupDirs(id), [], `no cgroup for ${id.slice(0, 12)}`);
    t.same(daemonMounts().filter((m) => m.includes(id)), [], `no mount for ${id.slice(0, 12)}`);
  }
});

t.test('namespace_options.pid = POD: containers share the sandbox PID namespace', async (t) => {
  const pod = await runPod('pidpod', { pid: 'POD' });
  const sandbox = await sandboxPid(pod);
  const a = await startedContainer(pod, 'a', ['/bin/sleep', '3600']);
  const b = await startedContainer(pod, 'b', ['/bin/sleep', '3601']);
  const [pa, pb] = [(await status(a)).pid, (await status(b)).pid];
  t.equal(nsOf(pa, 'pid'), nsOf(sandbox, 'pid'));
  t.equal(nsOf(pb, 'pid'), nsOf(sandbox, 'pid'));
  const ps = await exec(a, ['/bin/sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; for p in /proc/[0-9]*; do cat $p/cmdline 2>/dev/null | tr "\\0" " "; echo; done']);
  t.equal(ps.code, 0, ps.stderr);
  t.match(ps.stdout, /^\/bin\/sleep 2147483647 \n/, "PID 1 is the sandbox's process");
  t.match(ps.stdout, /^\/bin\/sleep 3601 $/m, "a sees b's process");
  for (const id of [a, b]) await call('StopContainer', { container_id: id, timeout: 0 });
  for (const id of [a, b]) await call('RemoveContainer', { container_id: id });
  await removePod(pod);
});

t.test('the bridge: a veth per pod, addresses from the range, pods reach each other, NAT rule', async (t) => {
  const p1 = await runPod('net');
  const p2 = await runPod('net');
  const [ip1, ip2] = [await podIp(p1), await podIp(p2)];
  t.not(ip1, ip2);
  for (const ip of [ip1, ip2]) t.match(ip, new RegExp(`^${SUBNET.replace(/\./g, '\\.')}\\.\\d+$`));
  const veths = run('ip', ['-o', 'link', 'show', 'master', BRIDGE]).split('\n').filter(Boolean);
  t.equal(veths.length, 2, `two veths in ${BRIDGE}: ${veths.join(' | ')}`);
  const bridgeAddr = run('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE]);
  t.match(bridgeAddr, new RegExp(`inet ${SUBNET.replace(/\./g, '\\.')}\\.1/24`), 'the bridge is the gateway');
  const c1 = await startedContainer(p1, 'c', ['/bin/sleep', '3600']);
  const c2 = await startedContainer(p2, 'c', ['/bin/sleep', '3600']);
  let ping = await exec(c1, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', ip2]);
  t.equal(ping.code, 0, `pod 1 reaches pod 2: ${ping.stdout}${ping.stderr}`);
  ping = await exec(c2, ['/bin/busybox', 'ping', '-c', '1', '-W', '2', `${SUBNET}.1`]);
  t.equal(ping.code, 0, `pod 2 reaches the bridge: ${ping.stdout}${ping.stderr}`);
  const nat = natRules();
  for (const ip of [ip1, ip2]) t.ok(nat.some((l) => l.includes(`-s ${ip}/32`) && /-j CNI-/.test(l)), `NAT rule for ${ip}: ${nat.join(' | ')}`);
  for (const id of [c1, c2]) await call('StopContainer', { container_id: id, timeout: 0 });
  for (const id of [c1, c2]) await call('RemoveContainer', { container_id: id });
  await removePod(p1);
  await removePod(p2);
  t.same(run('ip', ['-o', 'link', 'show', 'master', BRIDGE]).split('\n').filter(Boolean), [], 'the veths are gone');
  t.same(natRules(), [], 'the NAT rules are gone');
});

t.test('RunPodSandbox + CreateContainer + StartContainer: ocirt and runc (median of 5)', async (t) => {
  const times: Record<string, number[]> = { ocirt: [], runc: [] };
  for (let i = 0; i < 5; i++) {
    for (const handler of ['ocirt', 'runc']) {
      const t0 = performance.now();
      const pod = await runPod(`time-${handler}`, { handler });
      const c = await startedContainer(pod, 'c', ['/bin/sleep', '3600']);
      times[handler]!.push(performance.now() - t0);
      t.equal((await status(c)).status.state, 'CONTAINER_RUNNING', handler);
      await call('StopContainer', { container_id: c, timeout: 0 });
      await call('RemoveContainer', { container_id: c });
      await removePod(pod);
    }
  }
  t.ok(existsSync(join(D.dir, 'runc-runc', K8S_NS)), 'the runc handler ran runc (its root was used)');
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  t.comment(`RunPodSandbox + create + start, median of 5: ocirt ${median(times.ocirt!).toFixed(0)} ms, runc ${median(times.runc!).toFixed(0)} ms`);
});

t.test('a handler whose runtime always fails: RunPodSandbox fails and leaves no pod', async (t) => {
  const config = podConfig(`stub-${++n}`, {});
  await t.rejects(call('RunPodSandbox', { config, runtime_handler: 'stub' }), /OCI runtime create failed/);
  await t.rejects(call('RunPodSandbox', { config, runtime_handler: 'no-such-handler' }), /no runtime for "no-such-handler"/);
  t.same(run('ip', ['-o', 'link', 'show', 'master', BRIDGE]).split('\n').filter(Boolean), [], 'no veth left in the bridge');
});

t.test('nothing is left: pods, containers, state, cgroups, netns, mounts', async (t) => {
  t.same(pods, [], 'every pod was removed');
  // Only the cache of compiled seccomp filters may stay (src/process/seccomp-cache.ts).
  t.same(readdirSync(join(D.dir, 'runc', K8S_NS)).filter((n) => n !== SECCOMP_CACHE_DIR), [], "ocirt's root holds no container");
  const parents = cgroupParents(CGROUP_PARENT.slice(1));
  t.same(parents.flatMap((p) => readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(p, e.name))), [],
    'no cgroup under the pods\' parent');
  const netns = join(D.state, 'io.containerd.grpc.v1.cri', 'netns');
  t.same(existsSync(netns) ? readdirSync(netns) : [], [], 'no netns file');
  t.same(daemonMounts().filter((m) => m.startsWith(D.dir)), [], "no mount under the temp dir in containerd's namespace");
});
