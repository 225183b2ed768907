// Helpers for the integration tests: run the built CLI, make temp dirs that are
// removed at the end of the test, and check that nothing was left behind.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
