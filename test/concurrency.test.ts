// Engines run commands on one container from several processes at once: every
// command takes the container's lock and derives the status from live state, so
// a storm of state/kill/ps/exec/delete must leave whole JSON, known exit codes,
// and, once deleted, nothing behind (state dir, cgroup, processes).
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, withoutTap } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

let n = 0;
const newId = (what: string) => `${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';
const IN_FLIGHT = 20;

interface Run { args: string[]; code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/**
 * Runs one CLI command. Output goes to files: a non-terminal exec hands its stdio
 * to the container process, which would hold a pipe open after we are done.
 */
function runAsync(root: string, outDir: string, args: string[]): Promise<Run> {
  const k = ++n;
  const outPath = join(outDir, `${k}.out`);
  const errPath = join(outDir, `${k}.err`);
  const out = openSync(outPath, 'w+');
  const err = openSync(errPath, 'w+');
  return new Promise((res) => {
    const c = spawn(...withoutTap(OCIRT, ['--root', root, ...args]), { stdio: ['ignore', out, err] });
    closeSync(out);
    closeSync(err);
    // A stuck command (deadlock) fails the test instead of hanging it.
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ args, code, signal, out: readFileSync(outPath, 'utf8'), err: readFileSync(errPath, 'utf8') });
    });
  });
}

/** Runs every job, at most `limit` at a time, in order of the list; results in the same order. */
async function runAll(jobs: (() => Promise<Run>)[], limit = IN_FLIGHT): Promise<Run[]> {
  const results: Run[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function setup(t: Test, args: string[]) {
  const root = tempDir(t, 'ocirt-root-');
  const outDir = tempDir(t, 'ocirt-out-');
  const bundle = makeBundle(t, (s) => { s.process!.args = args; });
  const id = newId('conc');
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const R = (...a: string[]) => ocirt(['--root', root, ...a]);
  const run = (...a: string[]) => () => runAsync(root, outDir, a);
  return { root, bundle, id, R, run };
}

/** Pids of every process in the pid namespace `ns` (as readlink of /proc/PID/ns/pid gives it). */
function processesInPidNamespace(ns: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === ns) pids.push(Number(name));
    } catch { /* gone, or a kernel thread */ }
  }
  return pids;
}

const describe = (r: Run) => `${r.args.join(' ')} → ${r.code ?? r.signal}: ${r.err.trim()}`;
const GONE = /container does not exist/;

t.test('100 concurrent commands, with kill KILL and delete --force among them', async (t) => {
  const { root, bundle, id, R, run } = setup(t, ['sleep', '300']);
  t.equal(R('run', '-d', '--bundle', bundle, id).status, 0);
  const initPid = JSON.parse(R('state', id).stdout).pid as number;
  const pidNs = readlinkSync(`/proc/${initPid}/ns/pid`);
  t.ok(findCgroupDirs(id).length > 0, 'the container has its cgroup');

  const jobs: (() => Promise<Run>)[] = [];
  const mix = [
    run('state', id), run('kill', id, '0'), run('ps', '--format', 'json', id),
    run('exec', id, 'true'), run('exec', '-d', id, 'sleep', '1'),
  ];
  for (let i = 0; i < 98; i++) {
    if (i === 49) jobs.push(run('kill', id, 'KILL'), run('delete', '--force', id));
    jobs.push(mix[i % mix.length]!);
  }
  t.equal(jobs.length, 100);
  const started = Date.now();
  const results = await runAll(jobs);
  t.comment(`100 commands in ${Date.now() - started} ms`);

  // Once the container is killed or deleted, a command fails with one of these.
  const afterKill = /container does not exist|container not running|cannot exec in a stopped container/;
  // An exec past the lock when the kill comes loses its exec init with the pid namespace.
  const execAfterKill = new RegExp(`${afterKill.source}|exec init exited unexpectedly`);
  for (const r of results) {
    const [cmd] = r.args;
    const what = describe(r);
    if (r.signal) {
      t.fail(`killed after 30 s (deadlock?): ${what}`);
      continue;
    }
    if (cmd === 'state') {
      if (r.code === 0) {
        let s: { id?: string; status?: string } = {};
        t.doesNotThrow(() => { s = JSON.parse(r.out); }, `state output is whole JSON: ${JSON.stringify(r.out)}`);
        t.equal(s.id, id);
        t.match(s.status, /^(running|stopped)$/, what);
      } else {
        t.equal(r.code, 1, what);
        t.match(r.err, GONE, what);
        t.equal(r.out, '', 'nothing on stdout when it fails');
      }
    } else if (cmd === 'ps') {
      if (r.code === 0) {
        let pids: unknown;
        t.doesNotThrow(() => { pids = JSON.parse(r.out); }, `ps output is whole JSON: ${JSON.stringify(r.out)}`);
        t.ok(pids === null || (Array.isArray(pids) && pids.every((p) => Number.isInteger(p))), `ps lists pids: ${r.out}`);
      } else {
        t.equal(r.code, 1, what);
        t.match(r.err, GONE, what);
      }
    } else if (cmd === 'kill') {
      if (r.args[2] === 'KILL') t.ok(r.code === 0 || (r.code === 1 && GONE.test(r.err)), `kill KILL: ${what}`);
      else t.ok(r.code === 0 || (r.code === 1 && afterKill.test(r.err)), what);
    } else if (cmd === 'delete') {
      t.equal(r.code, 0, `delete --force always succeeds: ${what}`);
    } else if (r.args.includes('-d')) {
      // Every exec failure exits 255, as runc's does.
      t.ok(r.code === 0 || (r.code === 255 && execAfterKill.test(r.err)), what);
    } else {
      // A foreground exec that got in before the kill may itself be killed (137).
      t.ok(r.code === 0 || r.code === 137 || (r.code === 255 && execAfterKill.test(r.err)), what);
    }
  }
  const byCmd = (c: string) => results.filter((r) => r.args[0] === c);
  t.ok(byCmd('state').some((r) => r.code === 0), 'some state ran before the delete');
  t.ok(byCmd('exec').some((r) => r.code === 0), 'some exec ran before the kill');

  t.equal(R('list', '-q').stdout, '', 'the container is gone from list');
  t.match(R('state', id).stderr, GONE);
  t.notOk(existsSync(join(root, id)), 'state dir removed');
  t.same(findCgroupDirs(id), [], 'cgroup dirs removed');
  // Processes of the namespace can take a moment to be reaped after the kill.
  let left: number[] = [];
  for (let i = 0; i < 50; i++) {
    left = processesInPidNamespace(pidNs);
    if (!left.length) break;
    await sleep(100);
  }
  t.same(left, [], 'no process left in the container pid namespace');
  t.same(processesWith(root), [], 'no ocirt command for this root still running');
  t.same(processesWith(id), [], 'no process naming the container remains');
  t.same(processesWith('ocirt-exec').filter((p) => {
    try { return readlinkSync(`/proc/${p}/ns/pid`) === pidNs; } catch { return false; }
  }), [], 'no exec init of the container remains');
});

t.test('state racing delete on a stopped container', async (t) => {
  const { root, bundle, id, R, run } = setup(t, ['true']);
  t.equal(R('create', '--bundle', bundle, id).status, 0);
  t.equal(R('start', id).status, 0);
  for (let i = 0; i < 100 && JSON.parse(R('state', id).stdout).status !== 'stopped'; i++) await sleep(50);
  t.equal(JSON.parse(R('state', id).stdout).status, 'stopped');

  const jobs: (() => Promise<Run>)[] = [];
  for (let i = 0; i < 50; i++) jobs.push(run('state', id), run('delete', id));
  const results = await runAll(jobs);
  let deleted = 0;
  for (const r of results) {
    const what = describe(r);
    if (r.signal) {
      t.fail(`killed after 30 s (deadlock?): ${what}`);
    } else if (r.args[0] === 'state') {
      if (r.code === 0) {
        let s: { status?: string; pid?: number } = {};
        t.doesNotThrow(() => { s = JSON.parse(r.out); }, `state output is whole JSON: ${JSON.stringify(r.out)}`);
        t.equal(s.status, 'stopped', what);
        t.equal(s.pid, 0);
      } else {
        t.equal(r.code, 1, what);
        t.match(r.err, GONE, what);
      }
    } else if (r.code === 0) {
      deleted++;
    } else {
      t.equal(r.code, 1, what);
      t.match(r.err, GONE, what);
    }
  }
  t.equal(deleted, 1, 'exactly one delete succeeds');
  t.equal(R('list', '-q').stdout, '');
  t.notOk(existsSync(join(root, id)), 'state dir removed');
  t.same(findCgroupDirs(id), [], 'cgroup dirs removed');
});

t.test('two creates of one id: one wins, the other is refused, the winner is intact', async (t) => {
  const { root, bundle, id, R, run } = setup(t, ['sleep', '300']);
  const pidDir = tempDir(t);
  const pidFiles = [join(pidDir, 'a.pid'), join(pidDir, 'b.pid')];
  const results = await Promise.all(pidFiles.map((f) => run('create', '--bundle', bundle, '--pid-file', f, id)()));
  const winners = results.filter((r) => r.code === 0);
  const losers = results.filter((r) => r.code !== 0);
  t.equal(winners.length, 1, `exactly one create succeeds: ${results.map(describe).join('; ')}`);
  t.equal(losers.length, 1);
  t.equal(losers[0]?.code, 1);
  t.match(losers[0]?.err, /container with given ID already exists/);

  const winnerPidFile = pidFiles[results.indexOf(winners[0]!)]!;
  const loserPidFile = pidFiles[results.indexOf(losers[0]!)]!;
  t.notOk(existsSync(loserPidFile), 'the loser wrote no pid file');
  const state = JSON.parse(R('state', id).stdout);
  t.equal(state.status, 'created');
  t.equal(state.pid, Number(readFileSync(winnerPidFile, 'utf8')), "state names the winner's init");
  t.ok(existsSync(join(root, id, 'exec.fifo')), 'the exec fifo is still there');
  t.ok(findCgroupDirs(id).length > 0, 'the cgroup is still there');
  t.equal(R('start', id).status, 0, 'the winner starts');
  t.equal(JSON.parse(R('state', id).stdout).status, 'running');
  t.equal(R('delete', '--force', id).status, 0);
  t.same(findCgroupDirs(id), []);
});
