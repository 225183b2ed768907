// Helpers for the integration tests: run the built CLI, make temp dirs that are
// removed at the end of the test, and check that nothing was left behind.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { koffiNativePath } from '../ffi/koffi.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// tap hands its instrumentation to every child process through NODE_OPTIONS (it
// adds it even to an explicit env); the runtime under test must start as a caller
// starts it, so it is run through `env -u NODE_OPTIONS`.
delete process.env.NODE_OPTIONS;

/** argv that runs the runtime without tap's NODE_OPTIONS: spawn(...withoutTap(OCIRT, args)). */
export function withoutTap(bin: string, args: string[]): [string, string[]] {
  return ['/usr/bin/env', ['-u', 'NODE_OPTIONS', bin, ...args]];
}

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const OCIRT = process.env.OCIRT_BIN ?? join(REPO, 'bin/ocirt');
export const ROOTFS = join(REPO, 'bundles/rootfs');

export interface Result { status: number | null; stdout: string; stderr: string }

/**
 * Runs the CLI and returns its exit status and output. Output goes through temp
 * files, not pipes: a container created without a terminal keeps the runtime's
 * stdio, and a pipe would stay open (and the call blocked) for as long as it runs.
 */
export function ocirt(args: string[], opts: SpawnSyncOptions = {}): Result {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(...withoutTap(OCIRT, args), { timeout: 60_000, ...opts, stdio: [opts.input !== undefined ? 'pipe' : 'ignore', out, err] });
    return { status: r.status, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Teardown { teardown(fn: () => void | Promise<void>): void }

export function tempDir(t: Teardown, prefix = 'ocirt-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (run the suite as root)');
}

/** The unprivileged user the rootless tests run as, and its subordinate id ranges (in /etc/subuid and /etc/subgid). */
export const TEST_USER = 'ocirt-test';
const TEST_USER_SUBIDS = `${TEST_USER}:200000:65536`;

/** Makes TEST_USER and its subordinate ids on this host if missing (idempotent; other tests use the same); returns its ids. */
export function ensureTestUser(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('/usr/bin/id', [flag, TEST_USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    const add = spawnSync('/usr/sbin/useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER], { encoding: 'utf8' });
    // A test running beside this one may have made it meanwhile.
    if (add.status !== 0 && id('-u').status !== 0) throw new Error(`useradd ${TEST_USER} failed: ${add.stderr}`);
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (!text.split('\n').includes(TEST_USER_SUBIDS)) appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${TEST_USER_SUBIDS}\n`);
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

/**
 * Makes what the rootless tests run reachable by TEST_USER: the runtime, Koffi's native
 * module it loads from the checkout (for bin/ocirt) and the sample rootfs. Every directory
 * above them that others may not search gets the search bit for others (not read), as a
 * checkout under a private home needs; the change is kept, since tests running beside this
 * one rely on it too. Throws when the user still cannot reach one of them.
 */
export function makeCheckoutReachableByTestUser(ids: { uid: number; gid: number }): void {
  const paths: [test: '-x' | '-r', path: string][] = [['-x', OCIRT], ['-r', join(ROOTFS, 'bin/busybox')]];
  if (!process.env.OCIRT_BIN) paths.push(['-r', koffiNativePath()]);
  for (const [test, path] of paths) {
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if (!(mode & 0o001)) {
        chmodSync(dir, (mode & 0o7777) | 0o001);
        process.stdout.write(`# ${dir}: search permission for others added (mode ${(mode & 0o7777).toString(8)}), so that ${TEST_USER} reaches ${path}\n`);
      }
      if (dir === '/') break;
    }
    const r = spawnSync('/usr/bin/test', [test, path], { uid: ids.uid, gid: ids.gid });
    if (r.status !== 0) throw new Error(`user ${TEST_USER} cannot reach ${path} (test ${test})`);
  }
}

/** Whether `pid` is a live process: it exists and is not a zombie (a gone pid is not alive). */
export function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Builds the sample rootfs once (idempotent, fast when up to date). */
export function ensureRootfs(): void {
  const r = spawnSync('bash', [join(REPO, 'bundles/build-rootfs.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-rootfs failed: ${r.stderr}`);
}

/** Every cgroup directory named `name` in any hierarchy (there should be none after delete). */
export function findCgroupDirs(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name === name) found.push(p);
      walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/** Processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name));
    } catch { /* gone */ }
  }
  return pids;
}

/** The host pids of every process in the user namespace `pid` is in. */
export function processesInUserNamespaceOf(pid: number): number[] {
  const ns = readlinkSync(`/proc/${pid}/ns/user`);
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/user`) === ns;
    } catch {
      return false;
    }
  });
}

export function mountsUnder(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(prefix));
}

export { existsSync };
