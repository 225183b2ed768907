// Podman driving a runtime under test (`podman --runtime <bin>`) with all its storage, run
// state, events, network config and temp files in one temp dir (env CONTAINERS_CONF /
// CONTAINERS_STORAGE_CONF plus global flags), so nothing lands in /var/lib/containers or
// ~/.local/share/containers. As root, or as a non-root user (rootless Podman: the dirs are
// that user's, and Podman runs with its uid/gid, HOME and XDG_RUNTIME_DIR).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { OCIRT, ROOTFS } from './helpers.js';
import { sleepSync } from '../src/sleep.js';
import { SECCOMP_CACHE_DIR } from '../src/process/seccomp-cache.js';

export interface PodmanUser { name: string; uid: number; gid: number; home: string; runtimeDir: string }

export interface PodmanResult { status: number | null; stdout: string; stderr: string; ms: number }

export interface PodmanCallOptions { input?: string; jsonLog?: boolean; runtime?: string }

// Directories rootful Podman creates on the host whatever its config says.
const HOST_DIRS = ['/run/containers/networks', '/run/containers'];
const IPAM_DB = '/run/containers/networks/ipam.db';
const PARENT_CGROUPS = ['libpod_parent/conmon', 'libpod_parent'];
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** Splits one line of `iptables -S` into its arguments (double quotes group, as the shell would). */
function iptablesArgs(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** `<tool> -t <table> -S` lines that name one of netavark's chains (NETAVARK_FORWARD, NETAVARK-HOSTPORT-DNAT ...). */
function netavarkRules(tool: string, table: string): string[] {
  const r = spawnSync(tool, ['-w', '5', '-t', table, '-S'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.includes('NETAVARK')) : [];
}

/**
 * Rootful Podman's default (bridge) network has netavark add chains to the host's
 * firewall and turn on IPv4 forwarding, and keep both after the last container goes.
 * Taken when nothing of netavark's is in the firewall yet, restore() removes its rules
 * and chains again and puts back ip_forward.
 */
class NetavarkFirewall {
  private readonly clean: Array<[string, string]> = [];
  private readonly ipForward: string;

  constructor() {
    for (const tool of ['iptables', 'ip6tables']) {
      for (const table of ['filter', 'nat']) if (netavarkRules(tool, table).length === 0) this.clean.push([tool, table]);
    }
    this.ipForward = readFileSync(IP_FORWARD, 'utf8');
  }

  restore(): void {
    for (const [tool, table] of this.clean) {
      const lines = netavarkRules(tool, table);
      // Jumps from the built-in chains first, then each netavark chain flushed and deleted.
      for (const l of lines.filter((x) => x.startsWith('-A ') && !x.startsWith('-A NETAVARK'))) {
        spawnSync(tool, ['-w', '5', '-t', table, '-D', ...iptablesArgs(l).slice(1)]);
      }
      const chains = lines.filter((x) => x.startsWith('-N ')).map((x) => x.slice(3));
      for (const c of chains) spawnSync(tool, ['-w', '5', '-t', table, '-F', c]);
      for (const c of chains) spawnSync(tool, ['-w', '5', '-t', table, '-X', c]);
    }
    if (readFileSync(IP_FORWARD, 'utf8') !== this.ipForward) writeFileSync(IP_FORWARD, this.ipForward);
  }

  /** netavark rules still in a table that had none before. */
  leftovers(): string[] {
    return this.clean.flatMap(([tool, table]) => netavarkRules(tool, table).map((l) => `${tool} -t ${table} ${l}`));
  }
}

export class PodmanHarness {
  /** The temp dir that holds all of Podman's state (owned by the user when rootless). */
  readonly work: string;
  readonly runtime: string;
  /**
   * The runtime's state dir: Podman keeps no runtime flags for its cleanup process (podman
   * 4.3 has no runtimes_flags setting), so the runtime runs with its default --root:
   * /run/<name> as root, $XDG_RUNTIME_DIR/<name> rootless (as runc and crun do).
   */
  readonly runtimeRoot: string;
  readonly global: string[];
  readonly user: PodmanUser | undefined;
  private readonly ipamBefore: boolean;
  private readonly cgroupRoots: string[];
  private readonly podCgroupsBefore: Set<string>;
  private readonly firewall: NetavarkFirewall | undefined;
  private cleanedUp = false;

  /**
   * bridgeNetwork: the test runs containers on Podman's default network (rootful); the
   * harness then removes netavark's firewall rules at cleanup if there were none before.
   */
  constructor(opts: { prefix: string; runtime?: string; user?: PodmanUser; bridgeNetwork?: boolean }) {
    this.runtime = opts.runtime ?? OCIRT;
    this.user = opts.user;
    this.runtimeRoot = this.user ? join(this.user.runtimeDir, basename(this.runtime)) : `/run/${basename(this.runtime)}`;
    this.ipamBefore = existsSync(IPAM_DB);
    // The unified root itself (cgroup v2), and each hierarchy under it (v1 or hybrid).
    this.cgroupRoots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup', { withFileTypes: true })
      .filter((e) => e.isDirectory()).map((e) => join('/sys/fs/cgroup', e.name))];
    this.podCgroupsBefore = new Set(this.podCgroups());
    this.firewall = opts.bridgeNetwork && !this.user ? new NetavarkFirewall() : undefined;

    this.work = mkdtempSync(join(tmpdir(), opts.prefix));
    for (const d of ['storage', 'runroot', 'tmp', 'net', 'cids', 'volumes']) mkdirSync(join(this.work, d));
    const runtimeName = basename(this.runtime);
    writeFileSync(join(this.work, 'storage.conf'), `[storage]
driver = "vfs"
graphroot = "${this.work}/storage"
runroot = "${this.work}/runroot"
`);
    // Two engine configs that differ only in whether Podman asks the runtime for a JSON
    // log (--log-format=json --log <oci-log>): Podman reads create errors from that file
    // when the runtime is listed in runtime_supports_json, else from the runtime's stderr.
    // default_ulimits: Podman's own default RLIMIT_NOFILE (1048576) is above the hard
    // limit a root process may set here, and every runtime fails to set it.
    const conf = (jsonLog: boolean) => `[containers]
log_driver = "k8s-file"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_config_dir = "${this.work}/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${this.work}/events.log"
tmp_dir = "${this.work}/tmp"
volume_path = "${this.work}/volumes"
static_dir = "${this.work}/storage/libpod"
runtime_supports_json = [${jsonLog ? `"crun", "runc", "${runtimeName}"` : '"crun"'}]
`;
    writeFileSync(join(this.work, 'containers.conf'), conf(true));
    writeFileSync(join(this.work, 'containers-nojson.conf'), conf(false));
    if (this.user) {
      for (const p of [this.work, ...readdirSync(this.work).map((n) => join(this.work, n))]) chownSync(p, this.user.uid, this.user.gid);
    }

    this.global = [
      '--root', join(this.work, 'storage'), '--runroot', join(this.work, 'runroot'), '--tmpdir', join(this.work, 'tmp'),
      '--network-config-dir', join(this.work, 'net'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
      '--runtime', this.runtime,
    ];
  }

  env(jsonLog = true): NodeJS.ProcessEnv {
    const confs = {
      CONTAINERS_CONF: join(this.work, jsonLog ? 'containers.conf' : 'containers-nojson.conf'),
      CONTAINERS_STORAGE_CONF: join(this.work, 'storage.conf'),
    };
    if (!this.user) return { ...process.env, ...confs };
    // Rootless Podman finds its user namespace, pause process and runtime dirs from these.
    const u = this.user;
    return {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: u.home, USER: u.name, LOGNAME: u.name, XDG_RUNTIME_DIR: u.runtimeDir, ...confs,
    };
  }

  /** Runs `podman <global flags> <args>` (as the user when rootless); never throws. */
  podman(args: string[], opts: PodmanCallOptions = {}): PodmanResult {
    const start = Date.now();
    const global = opts.runtime ? this.global.map((a) => (a === this.runtime ? opts.runtime! : a)) : this.global;
    const r = spawnSync('podman', [...global, ...args], {
      encoding: 'utf8', timeout: 60_000, env: this.env(opts.jsonLog), input: opts.input ?? '',
      cwd: this.user ? this.user.home : undefined, uid: this.user?.uid, gid: this.user?.gid,
    });
    const stderr = String(r.stderr ?? '') + (r.error ? `\n(spawn podman: ${r.error.message})` : '');
    return { status: r.status, stdout: String(r.stdout ?? ''), stderr, ms: Date.now() - start };
  }

  /** Imports the busybox rootfs as image `name` (e.g. localhost/ocirt-busybox:latest); if Podman refuses, cleans up and throws. */
  importRootfs(name: string): void {
    const tar = join(this.work, 'rootfs.tar');
    const t = spawnSync('tar', ['-C', ROOTFS, '-cf', tar, '.'], { encoding: 'utf8' });
    if (t.status !== 0) {
      this.cleanup();
      throw new Error(`tar of ${ROOTFS} failed: ${t.stderr}`);
    }
    if (this.user) chownSync(tar, this.user.uid, this.user.gid);
    const r = this.podman(['import', tar, name]);
    rmSync(tar, { force: true });
    if (r.status !== 0) {
      // Thrown while the test file loads, where tap runs no teardown.
      this.cleanup();
      throw new Error(`podman import ${name} failed (${r.status}): ${r.stderr}`);
    }
  }

  /** Rootless Podman's pause process (it holds the user's namespaces between commands), from tmp_dir/pause.pid. */
  pausePid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.work, 'tmp', 'pause.pid'), 'utf8'));
      return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch { return undefined; }
  }

  /** Whether `pid` runs: dead once gone from /proc or a zombie its parent has yet to reap. */
  isRunning(pid: number): boolean {
    try { return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
  }

  private stopPauseProcess(): void {
    const pid = this.pausePid();
    if (pid === undefined) return;
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    for (let i = 0; i < 100 && this.isRunning(pid); i++) sleepSync(20);
  }

  /** Libpod's cgroup dirs of container `id` that still exist (rootful cgroupfs layout). */
  containerCgroups(id: string): string[] {
    return this.cgroupRoots.map((r) => join(r, 'libpod_parent', `libpod-${id}`)).filter((d) => existsSync(d));
  }

  /** Pod cgroup dirs (libpod_parent/<pod id>) in every hierarchy. */
  private podCgroups(): string[] {
    return this.cgroupRoots.flatMap((r) => {
      try {
        return readdirSync(join(r, 'libpod_parent'), { withFileTypes: true })
          .filter((e) => e.isDirectory() && /^[0-9a-f]{64}$/.test(e.name)).map((e) => join(r, 'libpod_parent', e.name));
      } catch { return []; }
    });
  }

  /** netavark firewall rules left in a table that had none when the harness was made. */
  firewallLeftovers(): string[] {
    return this.firewall?.leftovers() ?? [];
  }

  /**
   * Removes every pod and container, then (rootless) Podman's pause process, then what
   * Podman made outside the temp dir (only when it was not there before and is empty
   * again), then the temp dir (as root, which may remove the files an image unpacked as
   * the user's sub-ids).
   */
  cleanup(): void {
    // A second call would have Podman make its dirs again.
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.podman(['pod', 'rm', '-a', '-f', '-t', '0']);
    this.podman(['rm', '-a', '-f', '-t', '0']);
    if (this.user) this.stopPauseProcess();
    this.firewall?.restore();
    // netavark's address allocations outlive the networks they were made in.
    if (this.firewall && !this.ipamBefore) rmSync(IPAM_DB, { force: true });
    // Podman 4.3 (cgroupfs) removes a pod's cgroup only in the controllers it knows, not
    // in the named systemd and the unified hierarchies the runtime made it in too.
    for (const d of this.podCgroups()) if (!this.podCgroupsBefore.has(d)) try { rmdirSync(d); } catch { /* in use */ }
    // Empty dirs Podman makes again whenever it needs them: removed whenever empty, so that
    // of the Podman tests run side by side the last to finish removes them.
    for (const d of HOST_DIRS) try { rmdirSync(d); } catch { /* in use or gone */ }
    for (const r of this.cgroupRoots) for (const p of PARENT_CGROUPS) try { rmdirSync(join(r, p)); } catch { /* in use or gone */ }
    // The runtime's default root keeps the filters it compiled for Podman's profile
    // (src/process/seccomp-cache.ts): removed with the root once it holds no container,
    // so that of the Podman tests run side by side the last to finish removes them.
    const containersLeft = existsSync(this.runtimeRoot) ? readdirSync(this.runtimeRoot).filter((n) => n !== SECCOMP_CACHE_DIR) : [];
    if (containersLeft.length === 0) {
      rmSync(join(this.runtimeRoot, SECCOMP_CACHE_DIR), { recursive: true, force: true });
      try { rmdirSync(this.runtimeRoot); } catch { /* made again meanwhile, or gone */ }
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}
