// Conformance harness: runs the same bundle under the runtime being built (ocirt) and under the
// reference (runc), each with its own temporary --root, and cleans up every container, mount,
// process and directory it made, even when a test fails.
//
// The subject binary is $OCIRT_BIN or <repo>/bin/ocirt. Point OCIRT_BIN at runc to check the
// tests themselves: then both sides are runc and every test must pass.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TAP } from 'tap';
import { baseConfig, type Spec } from './base-config.js';

/** The `t` a tap subtest callback receives. */
export type TapTest = Parameters<Parameters<TAP['test']>[0]>[0];

const execFileP = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Locations

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'ocirt') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const REPO_ROOT = findRepoRoot();
/** The shared busybox rootfs built by bundles/build-rootfs.sh (bundles copy it or bind it read-only). */
// tap hands its instrumentation to child processes through NODE_OPTIONS; the
// runtimes under test must start as a caller would start them, without it.
delete process.env.NODE_OPTIONS;

export const ROOTFS = process.env.CONFORMANCE_ROOTFS ?? path.join(REPO_ROOT, 'bundles', 'rootfs');
export const BUILD_ROOTFS = path.join(REPO_ROOT, 'bundles', 'build-rootfs.sh');
export const DEFAULT_TIMEOUT_MS = Number(process.env.CONFORMANCE_TIMEOUT_MS ?? 30_000);

function findOnPath(name: string, extra: string[] = []): string | undefined {
  const dirs = [...extra, ...(process.env.PATH ?? '').split(':')].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}

/** An absolute path for a binary given as a path or as a bare name looked up in PATH. */
function binary(given: string): string {
  if (given.includes('/')) return path.resolve(given);
  return findOnPath(given, ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) ?? given;
}

export const RUNTIMES = {
  ocirt: binary(process.env.OCIRT_BIN ?? path.join(REPO_ROOT, 'bin', 'ocirt')),
  runc: binary(process.env.RUNC_BIN ?? 'runc'),
};
export type RuntimeName = keyof typeof RUNTIMES;
/** The runtime under test and the one it is compared with. */
export const SUBJECT: RuntimeName = 'ocirt';
export const REFERENCE: RuntimeName = 'runc';

// ---------------------------------------------------------------------------------------------
// Cleanup registry. Tap runs each test file in its own process, so module state is per file.

const cleanup = {
  containers: [] as { runtime: RuntimeName; id: string }[],
  processes: [] as ChildProcess[],
  mounts: [] as string[],
  dirs: [] as string[],
};

/** Undo everything this file made: containers first (they may hold mounts), then host mounts, then dirs. */
export async function cleanupAll(): Promise<void> {
  const tracked = cleanup.containers.splice(0).reverse();
  for (const runtime of new Set(tracked.map((c) => c.runtime))) {
    // Most containers are gone already (run deletes its own); ask `list` so only leftovers cost a call.
    const listed = await rt(runtime, 'list', '-q').catch(() => undefined);
    const alive = listed?.status === 0 ? new Set(listed.stdout.split('\n').filter(Boolean)) : undefined;
    for (const { id } of tracked.filter((c) => c.runtime === runtime)) {
      if (alive && !alive.has(id)) continue;
      await rt(runtime, 'delete', '--force', id).catch(() => undefined);
    }
  }
  for (const child of cleanup.processes.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const target of cleanup.mounts.splice(0).reverse()) {
    await execFileP('umount', ['-l', target]).catch(() => undefined);
  }
  for (const dir of cleanup.dirs.splice(0).reverse()) {
    await fsp.rm(dir, { recursive: true, force: true }).catch((err) => {
      process.stderr.write(`conformance cleanup: rm -rf ${dir}: ${(err as Error).message}\n`);
    });
  }
  runtimeRoots.clear();
  outputDir = undefined;
}

/**
 * A temp directory `ocirt-conf-<pid>-<tag>-XXXXXX` (under `base`, default the system temp dir),
 * removed by cleanupAll. The pid lets a later run sweep what a killed run left (sweepStale).
 */
export async function tempDir(tag = 'tmp', base = os.tmpdir()): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(base, `ocirt-conf-${process.pid}-${tag}-`));
  cleanup.dirs.push(dir);
  return dir;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove what test processes that no longer exist left in the temp dir (a file killed on timeout
 * cannot run its teardown): their containers (via each runtime's `list`), host mounts, and dirs.
 */
export async function sweepStale(): Promise<void> {
  const tmp = os.tmpdir();
  const stale = fs
    .readdirSync(tmp)
    .map((name) => ({ name, m: /^ocirt-conf-(\d+)-(.*)$/.exec(name) }))
    .filter(({ m }) => m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1])))
    .map(({ name, m }) => ({ dir: path.join(tmp, name), tag: m![2] }));
  for (const { dir, tag } of stale) {
    const rt = /^root-(ocirt|runc)-/.exec(tag)?.[1] as RuntimeName | undefined;
    if (!rt || !fs.existsSync(RUNTIMES[rt])) continue;
    const listed = await spawnCollect(RUNTIMES[rt], ['--root', dir, 'list', '-q']).catch(() => undefined);
    for (const id of listed?.stdout.split('\n').filter(Boolean) ?? []) {
      await spawnCollect(RUNTIMES[rt], ['--root', dir, 'delete', '--force', id]).catch(() => undefined);
    }
  }
  if (stale.length === 0) return;
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
    .map((m) => m.mountPoint)
    .filter((mp) => stale.some(({ dir }) => mp === dir || mp.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const mp of mounts) await spawnCollect('umount', ['-l', mp]).catch(() => undefined);
  for (const { dir } of stale) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** Track a host process (e.g. a namespace holder) so cleanupAll kills it. */
export function trackProcess(child: ChildProcess): ChildProcess {
  cleanup.processes.push(child);
  return child;
}

/** Mount on the host (`mount ARGS... TARGET`); cleanupAll unmounts it lazily. */
export async function hostMount(args: string[], target: string): Promise<void> {
  await fsp.mkdir(target, { recursive: true });
  await sh('mount', ...args, target);
  cleanup.mounts.push(target);
}

// ---------------------------------------------------------------------------------------------
// Suite setup and preconditions

interface SuiteHost {
  before(fn: () => unknown): void;
  teardown(fn: () => unknown): void;
  setTimeout(ms: number): void;
}

/**
 * Per-file time limit. tap's default (30 s) is too short for a runtime that starts a Node process
 * per command; a file that hangs still ends, and its teardown still gets to run.
 */
export const FILE_TIMEOUT_MS = Number(process.env.CONFORMANCE_FILE_TIMEOUT_MS ?? 600_000);

/** What the suite needs from this machine; each entry is a message saying what is missing. */
export function preflightProblems(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('the conformance suite must run as root (it creates namespaces, mounts and cgroups)');
  for (const [name, bin] of Object.entries(RUNTIMES)) {
    try {
      fs.accessSync(bin, fs.constants.X_OK);
    } catch {
      const hint = name === 'ocirt' ? ' (build it, or set OCIRT_BIN)' : ' (apt-get install runc, or set RUNC_BIN)';
      problems.push(`runtime ${name} not found or not executable at ${bin}${hint}`);
    }
  }
  if (!fs.existsSync('/bin/busybox')) problems.push('busybox-static is not installed (/bin/busybox); apt-get install busybox-static');
  return problems;
}

/** Throw a clear error when a host tool a test relies on is missing (tests fail, never skip). */
export function requireTool(name: string): string {
  const found = findOnPath(name, ['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  if (!found) throw new Error(`conformance: this test needs the host tool "${name}", which is not on PATH`);
  return found;
}

/** Build the shared rootfs (a no-op when it is up to date). */
export async function buildRootfs(): Promise<void> {
  await execFileP('bash', [BUILD_ROOTFS, ROOTFS]);
}

/**
 * Call once per test file with the root `t`: sets the file's time limit, checks the machine, builds
 * the rootfs before the first test and registers cleanup of everything the file creates.
 */
export function setupSuite(t: SuiteHost): void {
  t.setTimeout(FILE_TIMEOUT_MS);
  t.before(async () => {
    const problems = preflightProblems();
    if (problems.length > 0) throw new Error(`conformance preconditions not met:\n  - ${problems.join('\n  - ')}`);
    await sweepStale();
    await buildRootfs();
  });
  t.teardown(cleanupAll);
}

// ---------------------------------------------------------------------------------------------
// Running a runtime

export interface RtResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RtOptions {
  input?: string;
  timeoutMs?: number;
  /** Give the child these fds as stdout/stderr instead of pipes (the output then is not captured). */
  stdoutFd?: number;
  stderrFd?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const runtimeRoots = new Map<RuntimeName, string>();

/** The temp --root of a runtime for this test file, made on first use. */
export async function runtimeRoot(runtime: RuntimeName): Promise<string> {
  let root = runtimeRoots.get(runtime);
  if (!root) {
    root = await tempDir(`root-${runtime}`);
    runtimeRoots.set(runtime, root);
  }
  return root;
}

let idCounter = 0;
/** A container id unique across parallel test files and runs. */
export function uniqueId(tag = 'c'): string {
  idCounter += 1;
  return `conf-${tag}-${process.pid}-${idCounter}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Note a container id so cleanupAll force-deletes it. */
export function trackContainer(runtime: RuntimeName, id: string): void {
  cleanup.containers.push({ runtime, id });
}

/** Spawn a command with a timeout; SIGKILLs it on timeout and rejects with what it printed so far. */
export function spawnCollect(cmd: string, args: string[], opts: RtOptions = {}): Promise<RtResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // tap adds its NODE_OPTIONS to every child's env; `env -u` keeps it from the runtimes.
    const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', opts.stdoutFd ?? 'pipe', opts.stderrFd ?? 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin?.on('error', () => undefined); // the child may exit before reading its input
    child.stdin?.end(opts.input ?? '');
    let settled = false;
    let exitGrace: NodeJS.Timeout | undefined;
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(exitGrace);
      resolve({ status, signal, stdout, stderr });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    // 'close' waits for the pipes too; a stray process that inherited them must not hang the test,
    // so after 'exit' we wait a little and then settle anyway.
    child.on('exit', (status, signal) => {
      exitGrace = setTimeout(() => finish(status, signal), 2000);
    });
    child.on('close', (status, signal) => finish(status, signal));
  });
}

/** Run `<runtime> --root <its temp root> ARGS...`. */
export async function rt(runtime: RuntimeName, ...args: string[]): Promise<RtResult> {
  return rtWith(runtime, {}, ...args);
}

export async function rtWith(runtime: RuntimeName, opts: RtOptions, ...args: string[]): Promise<RtResult> {
  const root = await runtimeRoot(runtime);
  return spawnCollect(RUNTIMES[runtime], ['--root', root, ...args], opts);
}

/** Run a host command, rejecting with its stderr when it fails. */
export async function sh(cmd: string, ...args: string[]): Promise<string> {
  const res = await spawnCollect(cmd, args);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status ?? res.signal}): ${res.stderr}`);
  return res.stdout;
}

// ---------------------------------------------------------------------------------------------
// Bundles

export type SpecPatch = (spec: Spec, ctx: { runtime?: RuntimeName; bundleDir: string }) => void | Partial<Spec>;

export interface BundleOptions {
  /**
   * 'copy' (default): the bundle gets its own copy of the rootfs, so the runtime may create mount
   * points in it. 'shared': root.path is the shared rootfs, forced read-only; only for tests that
   * add no mount whose destination is missing from the rootfs.
   */
  rootfs?: 'copy' | 'shared';
  /** Passed to the patch so a patch can differ per runtime (e.g. cgroup paths). */
  runtime?: RuntimeName;
  /** Directory to create the bundle in (default: the system temp dir). */
  baseDir?: string;
}

export interface Bundle {
  dir: string;
  /** Absolute path of the rootfs this bundle uses. */
  rootfs: string;
  configPath: string;
  spec: Spec;
  /** Write `spec` back to config.json (after changing it). */
  writeSpec(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Deep-merge `patch` into `target`: objects merge, arrays and scalars replace. */
export function mergeSpec<T extends Record<string, unknown>>(target: T, patch: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(patch)) {
    const current = (target as Record<string, unknown>)[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeSpec(current, value);
    } else {
      (target as Record<string, unknown>)[key] = value;
    }
  }
  return target;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A temp bundle with a fresh base config, changed by `patch` (in place, or by returning a partial to merge). */
export async function makeBundle(patch?: SpecPatch, opts: BundleOptions = {}): Promise<Bundle> {
  const dir = await tempDir('bundle', opts.baseDir);
  let rootfs: string;
  const spec = baseConfig();
  if (opts.rootfs === 'shared') {
    rootfs = ROOTFS;
    spec.root = { path: ROOTFS, readonly: true };
  } else {
    rootfs = path.join(dir, 'rootfs');
    await sh('cp', '-a', ROOTFS, rootfs);
  }
  const returned = patch?.(spec, { runtime: opts.runtime, bundleDir: dir });
  if (returned) mergeSpec(spec, returned as Record<string, unknown>);
  if (opts.rootfs === 'shared' && spec.root) spec.root.readonly = true;
  const configPath = path.join(dir, 'config.json');
  const bundle: Bundle = {
    dir,
    rootfs,
    configPath,
    spec,
    writeSpec: () => fsp.writeFile(configPath, JSON.stringify(bundle.spec, null, 2)),
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
  await bundle.writeSpec();
  return bundle;
}

/** `sh -c CMD` for a string, the argv itself for an array. */
export function toArgs(cmd: string | string[]): string[] {
  return typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd;
}

// ---------------------------------------------------------------------------------------------
// run / create / start / state / kill / delete

export interface RunOptions {
  id?: string;
  input?: string;
  timeoutMs?: number;
  /** Extra `run` flags placed before the id (e.g. --no-pivot). */
  extraArgs?: string[];
  /** A command the reference runtime (only) is run through, e.g. `unshare --mount`. */
  referencePrefix?: string[];
}

export interface RunResult extends RtResult {
  id: string;
}

/** `<rt> --root R run --bundle B <id>`; when `args` is given it replaces process.args first. */
export async function runIn(
  runtime: RuntimeName,
  bundle: Bundle,
  args?: string | string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  if (args !== undefined) {
    bundle.spec.process!.args = toArgs(args);
    await bundle.writeSpec();
  }
  const id = opts.id ?? uniqueId('run');
  trackContainer(runtime, id);
  const runArgs = ['run', '--bundle', bundle.dir, ...(opts.extraArgs ?? []), id];
  const rtOpts = { input: opts.input, timeoutMs: opts.timeoutMs };
  const prefix = runtime === REFERENCE ? opts.referencePrefix : undefined;
  const res = prefix?.length
    ? await spawnCollect(prefix[0]!, [...prefix.slice(1), RUNTIMES[runtime], '--root', await runtimeRoot(runtime), ...runArgs], rtOpts)
    : await rtWith(runtime, rtOpts, ...runArgs);
  return { ...res, id };
}

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused' | string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface CreateOptions {
  id?: string;
  pidFile?: string;
  consoleSocket?: string;
  extraArgs?: string[];
  timeoutMs?: number;
}

/** Parsed `state` output, or undefined when the runtime says the container does not exist. */
export async function stateOf(runtime: RuntimeName, id: string): Promise<ContainerState | undefined> {
  const res = await rt(runtime, 'state', id);
  if (res.status !== 0) return undefined;
  return JSON.parse(res.stdout) as ContainerState;
}

/** Poll `state` until its status is `status`; throws with the last state on timeout. */
export async function waitForStatus(
  runtime: RuntimeName,
  id: string,
  status: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ContainerState> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerState | undefined;
  for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    last = await stateOf(runtime, id);
    if (last?.status === status) return last;
    await sleep(delay);
  }
  throw new Error(`${runtime}: container ${id} did not reach "${status}" (last state: ${JSON.stringify(last)})`);
}

/** A container made with `create`. Its stdout/stderr (and the runtime's own) go to files in a temp dir. */
export class Container {
  constructor(
    readonly runtime: RuntimeName,
    readonly id: string,
    readonly bundle: Bundle,
    readonly stdoutPath: string,
    readonly stderrPath: string,
    /** What `create` itself returned. */
    readonly createResult: RtResult,
  ) {}

  get created(): boolean {
    return this.createResult.status === 0;
  }

  start(): Promise<RtResult> {
    return rt(this.runtime, 'start', this.id);
  }

  kill(signal: string | number = 'TERM', ...flags: string[]): Promise<RtResult> {
    return rt(this.runtime, 'kill', ...flags, this.id, String(signal));
  }

  delete(force = false): Promise<RtResult> {
    return rt(this.runtime, 'delete', ...(force ? ['--force'] : []), this.id);
  }

  exec(args: string | string[], ...flags: string[]): Promise<RtResult> {
    return rt(this.runtime, 'exec', ...flags, this.id, ...toArgs(args));
  }

  state(): Promise<ContainerState | undefined> {
    return stateOf(this.runtime, this.id);
  }

  waitStatus(status: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ContainerState> {
    return waitForStatus(this.runtime, this.id, status, timeoutMs);
  }

  async output(): Promise<{ stdout: string; stderr: string }> {
    const [stdout, stderr] = await Promise.all([
      fsp.readFile(this.stdoutPath, 'utf8'),
      fsp.readFile(this.stderrPath, 'utf8'),
    ]);
    return { stdout, stderr };
  }
}

let outputDir: string | undefined;

/** `<rt> create --bundle B [...] <id>`. Check `container.created` (or createResult) for failure. */
export async function create(runtime: RuntimeName, bundle: Bundle, opts: CreateOptions = {}): Promise<Container> {
  const id = opts.id ?? uniqueId('cr');
  trackContainer(runtime, id);
  outputDir ??= await tempDir('output');
  const stdoutPath = path.join(outputDir, `${id}.stdout`);
  const stderrPath = path.join(outputDir, `${id}.stderr`);
  const out = fs.openSync(stdoutPath, 'w');
  const err = fs.openSync(stderrPath, 'w');
  try {
    const args = ['create', '--bundle', bundle.dir];
    if (opts.pidFile) args.push('--pid-file', opts.pidFile);
    if (opts.consoleSocket) args.push('--console-socket', opts.consoleSocket);
    args.push(...(opts.extraArgs ?? []), id);
    // The container inherits create's stdio: files, not pipes, so nothing waits on the container to close them.
    const res = await rtWith(runtime, { stdoutFd: out, stderrFd: err, timeoutMs: opts.timeoutMs }, ...args);
    res.stderr = fs.readFileSync(stderrPath, 'utf8');
    return new Container(runtime, id, bundle, stdoutPath, stderrPath, res);
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

export interface CreateStartDeleteResult {
  stdout: string;
  stderr: string;
  /** state after create, after start (as soon as start returned), and once stopped. */
  states: { created?: ContainerState; started?: ContainerState; stopped?: ContainerState };
  container: Container;
}

/** create, start, wait for stopped, read output, delete. Throws with the runtime's stderr when a step fails. */
export async function createStartDelete(
  runtime: RuntimeName,
  bundle: Bundle,
  opts: CreateOptions = {},
): Promise<CreateStartDeleteResult> {
  const c = await create(runtime, bundle, opts);
  if (!c.created) throw new Error(`${runtime} create failed (${c.createResult.status}): ${c.createResult.stderr}`);
  const states: CreateStartDeleteResult['states'] = {};
  states.created = await c.state();
  const started = await c.start();
  if (started.status !== 0) throw new Error(`${runtime} start failed (${started.status}): ${started.stderr}`);
  states.started = await c.state();
  states.stopped = await c.waitStatus('stopped');
  const { stdout, stderr } = await c.output();
  const del = await c.delete();
  if (del.status !== 0) throw new Error(`${runtime} delete failed (${del.status}): ${del.stderr}`);
  return { stdout, stderr, states, container: c };
}

// ---------------------------------------------------------------------------------------------
// Observing both runtimes

export interface Observation {
  runtime: RuntimeName;
  id: string;
  status: number | null;
  stdout: string;
  stderr: string;
  bundle: Bundle;
}

export interface ObserveOptions extends BundleOptions, Omit<RunOptions, 'id'> {
  /** Applied to stdout after the built-in normalisation (id -> <id>, bundle dir -> <bundle>, in stdout and stderr). */
  normalize?: (text: string, obs: Observation) => string;
}

/** Replace what differs between any two runs: the container id and the bundle directory. */
export function normalizeVolatile(text: string, obs: Pick<Observation, 'id' | 'bundle'>): string {
  return text.split(obs.bundle.dir).join('<bundle>').split(obs.id).join('<id>');
}

/** Build a bundle from `patch` and `run` `cmd` in it under one runtime. */
export async function observe(
  runtime: RuntimeName,
  patch: SpecPatch | undefined,
  cmd: string | string[] | undefined,
  opts: ObserveOptions = {},
): Promise<Observation> {
  const bundle = await makeBundle(patch, { rootfs: opts.rootfs, baseDir: opts.baseDir, runtime });
  const res = await runIn(runtime, bundle, cmd, opts);
  const obs: Observation = { runtime, id: res.id, status: res.status, stdout: res.stdout, stderr: res.stderr, bundle };
  obs.stderr = normalizeVolatile(obs.stderr, obs);
  obs.stdout = normalizeVolatile(obs.stdout, obs);
  if (opts.normalize) obs.stdout = opts.normalize(obs.stdout, obs);
  return obs;
}

export interface BothObservations {
  ocirt: Observation;
  runc: Observation;
}

/**
 * Run the same patched bundle (one copy per runtime) under ocirt and under runc, one after the
 * other, and return both normalised observations.
 */
export async function observeBoth(
  patch: SpecPatch | undefined,
  cmd: string | string[] | undefined,
  opts: ObserveOptions = {},
): Promise<BothObservations> {
  const ocirt = await observe('ocirt', patch, cmd, opts);
  const runc = await observe('runc', patch, cmd, opts);
  return { ocirt, runc };
}

/** Assert ocirt's observation equals runc's on the given fields (default: exit status and stdout). */
export function assertSameAsReference(
  t: TapTest,
  both: BothObservations,
  fields: ('status' | 'stdout' | 'stderr')[] = ['status', 'stdout'],
  what = 'observation',
): boolean {
  const pick = (o: Observation) => Object.fromEntries(fields.map((f) => [f, o[f]]));
  return t.same(pick(both.ocirt), pick(both.runc), `${what}: ocirt matches runc`);
}

// ---------------------------------------------------------------------------------------------
// Known gaps of the reference: runc 1.1.5 ignores, rejects or mistimes these spec items (fixed or
// added in runc 1.2). When the subject binary *is* such a runc (OCIRT_BIN=runc while developing
// the tests), the tests for these items assert runc's known behaviour instead of the spec's; against
// ocirt they assert the spec, and there is no runc observation to compare with.
//   timeNamespace, ioPriority, scheduler, personality, domainname: not implemented in runc 1.1.
//   poststartAfterStart: runc 1.1 runs poststart hooks at the end of `create`, not after the user
//   process started, and a failing one fails `create`.

export type ReferenceGap =
  | 'timeNamespace'
  | 'ioPriority'
  | 'scheduler'
  | 'personality'
  | 'domainname'
  | 'poststartAfterStart';
const RUNC_1_1_GAPS: ReferenceGap[] = [
  'timeNamespace',
  'ioPriority',
  'scheduler',
  'personality',
  'domainname',
  'poststartAfterStart',
];

let subjectVersion: Promise<string> | undefined;
/** First line of `<subject> --version`. */
export function subjectVersionLine(): Promise<string> {
  subjectVersion ??= spawnCollect(RUNTIMES[SUBJECT], ['--version']).then(
    (r) => r.stdout.split('\n')[0] ?? '',
    () => '',
  );
  return subjectVersion;
}

/** True when the subject is a runc 1.1.x that lacks `gap` (see above). */
export async function subjectLacks(gap: ReferenceGap): Promise<boolean> {
  const line = await subjectVersionLine();
  return /^runc version 1\.[01]\./.test(line) && RUNC_1_1_GAPS.includes(gap);
}

// ---------------------------------------------------------------------------------------------
// Parsing what containers print

export interface MountInfo {
  mountId: number;
  parentId: number;
  majorMinor: string;
  root: string;
  mountPoint: string;
  options: string[];
  /** Optional fields: shared:N, master:N, propagate_from:N, unbindable. */
  optional: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** Parse /proc/PID/mountinfo text. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [left, right] = line.split(' - ');
    if (right === undefined) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({
      mountId: Number(f[0]),
      parentId: Number(f[1]),
      majorMinor: f[2],
      root: unescapeMount(f[3]),
      mountPoint: unescapeMount(f[4]),
      options: f[5].split(','),
      optional: f.slice(6).filter(Boolean),
      fsType: r[0],
      source: unescapeMount(r[1]),
      superOptions: (r[2] ?? '').split(',').filter(Boolean),
    });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The mount visible at `mountPoint` (the last one stacked there). */
export function mountAt(mounts: MountInfo[], mountPoint: string): MountInfo | undefined {
  return mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** Propagation of a mount as a word: shared, slave, shared+slave, unbindable or private. */
export function propagationOf(m: MountInfo): string {
  const shared = m.optional.some((o) => o.startsWith('shared:'));
  const slave = m.optional.some((o) => o.startsWith('master:'));
  if (m.optional.includes('unbindable')) return 'unbindable';
  if (shared && slave) return 'shared+slave';
  if (shared) return 'shared';
  if (slave) return 'slave';
  return 'private';
}

/**
 * One stable line per mount: "MOUNTPOINT FSTYPE OPTIONS [super=SUPER] [PROPAGATION]", for the mount
 * points listed (in that order; "-" when absent) or all of them. Ids, device numbers and sources are
 * left out: they differ between any two runs.
 */
export function mountSummary(
  mountinfoText: string,
  points?: string[],
  opts: { superOptions?: boolean; propagation?: boolean } = {},
): string {
  const mounts = parseMountinfo(mountinfoText);
  const line = (m: MountInfo) =>
    [
      m.mountPoint,
      m.fsType,
      m.options.join(','),
      ...(opts.superOptions ? [`super=${m.superOptions.join(',')}`] : []),
      ...(opts.propagation ? [propagationOf(m)] : []),
    ].join(' ');
  if (!points) return mounts.map(line).join('\n') + '\n';
  return points.map((p) => {
    const m = mountAt(mounts, p);
    return m ? line(m) : `${p} -`;
  }).join('\n') + '\n';
}

/** Filesystem type of the host mount that holds `p` (e.g. "ext4" for a temp bundle on the root disk). */
export function hostFsTypeOf(p: string): string {
  const real = fs.realpathSync(p);
  let best = { len: -1, type: '?' };
  for (const m of parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) {
    const mp = m.mountPoint;
    if ((real === mp || real.startsWith(mp === '/' ? '/' : mp + '/')) && mp.length > best.len) {
      best = { len: mp.length, type: m.fsType };
    }
  }
  return best.type;
}

/** Parse `Key:\tvalue` lines (e.g. /proc/self/status). */
export function parseStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** The inode of a namespace link such as "net:[4026531833]". */
export function nsInode(link: string): string {
  const m = /\[(\d+)\]/.exec(link);
  if (!m) throw new Error(`not a namespace link: ${JSON.stringify(link)}`);
  return m[1];
}

/** The host's (this test process's) namespace inode of `kind` (file name under /proc/self/ns). */
export function hostNsInode(kind: string, pid: number | 'self' = 'self'): string {
  return nsInode(fs.readlinkSync(`/proc/${pid}/ns/${kind}`));
}

// ---------------------------------------------------------------------------------------------
// Misc

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `check` until it returns a truthy value. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(delay);
  }
}

/** Capability names in kernel bit order (capability.h); index = bit. */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** The 16-hex-digit mask /proc/PID/status prints for a set of capability names. */
export function capMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) {
    const bit = CAPABILITIES.indexOf(name as (typeof CAPABILITIES)[number]);
    if (bit < 0) throw new Error(`unknown capability ${name}`);
    mask |= 1n << BigInt(bit);
  }
  return mask.toString(16).padStart(16, '0');
}
