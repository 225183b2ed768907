// A runtime killed at any point of `create` must leave nothing that `delete --force`
// cannot remove: the state directory, the cgroup and the init. `create` is killed
// with SIGKILL after increasing delays, so each run stops it at another step.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, withoutTap } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

import { setTimeout as sleep } from 'node:timers/promises';
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

/** The children of `pid` (the init, once create has spawned it). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

interface Progress { dir: string; inits: number[]; since: number }

/** Points at which create is killed, each a condition on what it has made so far. */
const STOPS: [string, (p: Progress) => boolean][] = [
  ['at once', () => true],
  ['the directory exists', (p) => existsSync(p.dir)],
  ['the init is spawned', (p) => p.inits.length > 0],
  ['the init has run 30 ms', (p) => p.inits.length > 0 && Date.now() - p.since >= 30],
  ['the init has run 60 ms', (p) => p.inits.length > 0 && Date.now() - p.since >= 60],
  ['the init has run 90 ms', (p) => p.inits.length > 0 && Date.now() - p.since >= 90],
  ['state.json exists', (p) => existsSync(join(p.dir, 'state.json'))],
];

t.test('create killed at any point: delete --force removes everything', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    delete s.process!.capabilities!.ambient;
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 100 } };
  });
  let reached = 0;
  for (const [n, [what, reachedStop]] of STOPS.entries()) {
    const id = `interrupted-${process.pid}-${n}`;
    t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
    const create = spawn(...withoutTap(OCIRT, ['--root', root, 'create', '--bundle', bundle, id]), { stdio: 'ignore' });
    const progress: Progress = { dir: join(root, id), inits: [], since: 0 };
    const seen = new Set<number>();
    let stopped = false;
    while (create.exitCode === null && create.signalCode === null) {
      // The init is create's child until create dies; remember it to check it is gone.
      for (const c of childrenOf(create.pid!)) seen.add(c);
      progress.inits = [...seen];
      if (progress.inits.length && !progress.since) progress.since = Date.now();
      if (reachedStop(progress)) {
        create.kill('SIGKILL');
        stopped = true;
        break;
      }
      await sleep(1);
    }
    await new Promise((r) => (create.exitCode !== null || create.signalCode !== null ? r(null) : create.once('exit', r)));
    if (stopped) reached++;
    t.comment(`${what}: ${stopped ? 'create killed' : 'create had finished'}`);

    const d = ocirt(['--root', root, 'delete', '--force', id]);
    t.equal(d.status, 0, `${what}: delete --force: ${d.stderr}`);
    t.notOk(existsSync(progress.dir), `${what}: no state directory`);
    t.same(findCgroupDirs(id), [], `${what}: no cgroup`);
    for (let i = 0; i < 100 && [...seen].some(alive); i++) await sleep(20);
    t.same([...seen].filter(alive), [], `${what}: no init left (${[...seen].join(' ')})`);
  }
  t.ok(reached >= STOPS.length - 1, `create was killed at ${reached} of ${STOPS.length} points before it finished`);
});
