// `events`: --stats of a running container (its numbers, and the same JSON layout as runc 1.1), the stream
// (stats every interval; it ends when runc's ends), and the errors for unknown and stopped containers, each
// checked against runc on the same bundle.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, withoutTap, type Result } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

const RUNC = process.env.RUNC_BIN ?? 'runc';
const RUNTIMES = { ocirt: OCIRT, runc: RUNC } as const;
type Runtime = keyof typeof RUNTIMES;

let n = 0;
const newId = (what: string) => `ev-${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs a runtime with output in temp files (a detached container keeps the runtime's stdio). */
function rt(bin: string, args: string[]): Result {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const r = spawnSync(...withoutTap(bin, args), { timeout: 60_000, stdio: ['ignore', out, err] });
    return { status: r.status, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A container of `runtime` running `args` from a fresh bundle; deleted (forced) at teardown. */
function running(t: Test, runtime: Runtime, args: string[]) {
  const root = tempDir(t, `ocirt-${runtime}-root-`);
  const bundle = makeBundle(t, (s) => { s.process!.args = args; });
  const id = newId(runtime);
  const R = (...a: string[]) => rt(RUNTIMES[runtime], ['--root', root, ...a]);
  t.teardown(() => { R('delete', '--force', id); });
  const r = R('run', '-d', '--bundle', bundle, id);
  if (r.status !== 0) throw new Error(`${runtime} run: ${r.stderr}`);
  return { root, id, R };
}

/** The layout of a JSON value: every key path in order; arrays by their first element. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${prefix}[]`] : keyPaths(value[0], `${prefix}[]`);
  if (value === null || typeof value !== 'object') return [prefix];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) out.push(...keyPaths(v, prefix ? `${prefix}.${k}` : k));
  return out.length ? out : [`${prefix}{}`];
}

/** Counters left out when zero, which may differ between two containers (page cache charged to the first reader…). */
const VALUE_DEPENDENT = /^data\.(memory\.cache|memory\.\w+\.(usage|max)|cpu\.throttling\.\w+|pids\.limit)$/;
/** blkio's lists are left out when empty: whether a container has read from disk yet decides which appear. */
const BLKIO = /^data\.blkio[.{]/;
const BLKIO_LISTS = ['ioServiceBytesRecursive', 'ioServicedRecursive', 'ioQueueRecursive', 'ioServiceTimeRecursive',
  'ioWaitTimeRecursive', 'ioMergedRecursive', 'ioTimeRecursive', 'sectorsRecursive'];

const SLEEPERS = ['sh', '-c', 'sleep 300 & sleep 300 & wait'];

t.test('events --stats of a running container: its numbers, in runc 1.1 layout', async (t) => {
  const c = running(t, 'ocirt', SLEEPERS);
  const ref = running(t, 'runc', SLEEPERS);
  await sleep(300); // let the shell fork its children
  const r = c.R('events', '--stats', c.id);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  t.equal(lines.length, 2, 'one JSON line and nothing else');
  t.equal(lines[1], '');
  const ev = JSON.parse(lines[0]!);
  t.equal(ev.type, 'stats');
  t.equal(ev.id, c.id);
  const pids = JSON.parse(c.R('ps', '--format', 'json', c.id).stdout) as number[];
  t.equal(pids.length, 3, 'sh and two sleeps');
  t.equal(ev.data.pids.current, pids.length, 'pids.current is the number of processes');
  t.ok(ev.data.memory.usage.usage > 0, 'memory usage > 0');
  t.ok(ev.data.cpu.usage.total > 0, 'cpu usage > 0');
  t.ok(ev.data.memory.raw && Object.keys(ev.data.memory.raw).length > 0, 'the raw memory.stat map');
  t.match(lines[0], /"limit":\d{16,}/, 'unlimited memory is printed with every digit');

  const rr = ref.R('events', '--stats', ref.id);
  t.equal(rr.status, 0, rr.stderr);
  const refEv = JSON.parse(rr.stdout);
  t.equal(refEv.data.pids.current, 3, 'runc counts the same processes');
  const ours = keyPaths(ev).filter((p) => !VALUE_DEPENDENT.test(p) && !BLKIO.test(p));
  const theirs = keyPaths(refEv).filter((p) => !VALUE_DEPENDENT.test(p) && !BLKIO.test(p));
  t.same(ours, theirs, 'the same keys in the same order as runc 1.1 (blkio aside)');
  // blkio: only runc's lists, each entry laid out as runc's where both have it.
  t.same(Object.keys(ev.data.blkio).filter((k) => !BLKIO_LISTS.includes(k)), [], 'blkio holds only the lists runc prints');
  for (const list of Object.keys(ev.data.blkio).filter((k) => k in refEv.data.blkio)) {
    t.same(keyPaths(ev.data.blkio[list]), keyPaths(refEv.data.blkio[list]), `blkio ${list}: runc's entry layout`);
  }
});

/** Starts `events --interval` and collects its stdout lines; `exited` gives its status. */
function stream(bin: string, root: string, id: string, interval: string) {
  const child = spawn(...withoutTap(bin, ['--root', root, 'events', '--interval', interval, id]), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, lines, exited, stderr: () => stderr };
}

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

for (const runtime of ['ocirt', 'runc'] as const) {
  t.test(`${runtime}: the stream prints stats every interval and ends with the container's cgroup`, async (t) => {
    const c = running(t, runtime, ['sleep', '300']);
    const s = stream(RUNTIMES[runtime], c.root, c.id, '200ms');
    t.teardown(() => { s.child.kill('SIGKILL'); });
    await waitFor('two stats events', () => s.lines.length >= 2);
    for (const line of s.lines) {
      const ev = JSON.parse(line);
      t.equal(ev.type, 'stats');
      t.equal(ev.id, c.id);
      t.type(ev.data.cpu.usage.total, 'number');
    }
    t.equal(c.R('kill', c.id, 'KILL').status, 0);
    await waitFor('stopped', () => JSON.parse(c.R('state', c.id).stdout).status === 'stopped');
    const ended = await Promise.race([s.exited.then(() => true), sleep(600).then(() => false)]);
    if (findCgroupDirs(c.id).length > 0) {
      // cgroup v1 (this host): as runc's eventfd, the stream lives as long as the cgroup does.
      t.notOk(ended, 'still streaming while the stopped container keeps its cgroup');
      const before = s.lines.length;
      await sleep(500);
      t.ok(s.lines.length > before, 'stats keep coming');
      t.equal(c.R('delete', c.id).status, 0);
    } else {
      t.ok(ended, 'cgroup v2: ends once no process is left');
    }
    const status = await Promise.race([s.exited, sleep(5000).then(() => 'timeout')]);
    t.equal(status, 0, `the stream ends with status 0 ${s.stderr()}`);
    for (const line of s.lines) t.doesNotThrow(() => JSON.parse(line), 'stdout has JSON lines only');
  });
}

/** Caps the container's memory (and memory+swap) at 16 MiB, writing its cgroup directly. */
function limitMemory(pid: number): void {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:memory:/.test(l));
  const limit = String(16 << 20);
  if (v1 !== undefined) {
    const dir = `/sys/fs/cgroup/memory${v1.split(':')[2]}`;
    writeFileSync(`${dir}/memory.limit_in_bytes`, limit);
    if (existsSync(`${dir}/memory.memsw.limit_in_bytes`)) writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, limit);
  } else {
    const dir = `/sys/fs/cgroup${lines.find((l) => l.startsWith('0::'))!.slice(3)}`;
    writeFileSync(`${dir}/memory.max`, limit);
    if (existsSync(`${dir}/memory.swap.max`)) writeFileSync(`${dir}/memory.swap.max`, '0');
  }
}

for (const runtime of ['ocirt', 'runc'] as const) {
  t.test(`${runtime}: an OOM kill in the container is an oom event`, async (t) => {
    const c = running(t, runtime, ['sleep', '300']);
    limitMemory(JSON.parse(c.R('state', c.id).stdout).pid);
    const s = stream(RUNTIMES[runtime], c.root, c.id, '5s');
    t.teardown(() => { s.child.kill('SIGKILL'); });
    await sleep(300); // the stream takes its baseline first
    const r = c.R('exec', c.id, 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1');
    t.not(r.status, 0, 'dd is killed');
    await waitFor('an oom event', () => s.lines.some((l) => l === `{"type":"oom","id":"${c.id}"}`));
    t.pass('{"type":"oom","id":…} printed');
  });
}

t.test('errors for unknown and stopped containers, as runc', async (t) => {
  const results: Record<string, { unknown: Result; stopped: Result; zero: Result; badInterval: Result; id: string }> = {};
  for (const runtime of ['ocirt', 'runc'] as const) {
    const c = running(t, runtime, ['true']);
    await waitFor('stopped', () => JSON.parse(c.R('state', c.id).stdout).status === 'stopped');
    results[runtime] = {
      id: c.id,
      unknown: c.R('events', '--stats', 'no-such-container'),
      stopped: c.R('events', '--stats', c.id),
      zero: c.R('events', '--interval', '0s', c.id),
      badInterval: c.R('events', '--interval', '5', c.id),
    };
  }
  const msg = (r: Result) => /msg="(.*)"/.exec(r.stderr)?.[1];
  for (const runtime of ['ocirt', 'runc'] as const) {
    const r = results[runtime]!;
    t.equal(r.unknown.status, 1, `${runtime}: unknown exits 1`);
    t.equal(msg(r.unknown), 'container does not exist', runtime);
    t.equal(r.stopped.status, 1, `${runtime}: stopped exits 1`);
    t.equal(msg(r.stopped), `container with id ${r.id} is not running`, runtime);
    t.equal(r.unknown.stdout + r.stopped.stdout, '', `${runtime}: nothing on stdout`);
    t.equal(r.zero.status, 1);
    t.equal(msg(r.zero), 'duration interval must be greater than 0', runtime);
    t.equal(r.badInterval.status, 1);
    t.equal(msg(r.badInterval), 'invalid value \\"5\\" for flag -interval: parse error', runtime);
    t.match(r.badInterval.stdout, /^Incorrect Usage: invalid value "5" for flag -interval: parse error\n/);
  }
});
