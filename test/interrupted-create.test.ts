// A runtime killed at any point of `create` must leave nothing that `delete --force`
// cannot remove: the state directory, the cgroup and the init. Each run kills `create`
// with SIGKILL at another step, recognised by what create has made so far or by the
// line its debug log has just written. A createRuntime hook that holds create for a
// second makes every step up to it certain to be caught, however fast the machine;
// the steps after it are caught when the polling is quick enough.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, findCgroupDirs, withoutTap, isAlive } from './helpers.js';
import { makeBundle } from './bundle.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

import { setTimeout as sleep } from 'node:timers/promises';
const readOr = (path: string) => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };

/** The children of `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/**
 * Every descendant of `pid`: the init and hooks once create has spawned them, and with a
 * user namespace the holder, the intermediate that forks the init, and the init under it.
 */
function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (const c of childrenOf(pid)) out.push(c, ...descendantsOf(c));
  return out;
}

interface Progress { dir: string; children: number[]; log: string; hookMarker: string }
const logged = (msg: string) => (p: Progress) => readOr(p.log).includes(`msg="${msg}"`);

/** Points at which create is killed; `certain` ones come no later than the hook that holds create. */
const STOPS: { what: string; certain: boolean; reached: (p: Progress) => boolean }[] = [
  { what: 'at once', certain: true, reached: () => true },
  { what: 'the directory exists', certain: true, reached: (p) => existsSync(p.dir) },
  { what: 'the cgroup is made', certain: true, reached: logged('cgroup create') },
  { what: 'the init is spawned', certain: true, reached: (p) => p.children.length > 0 },
  { what: 'the init has unshared', certain: true, reached: logged('init: unshare namespaces') },
  { what: 'the init mounts', certain: true, reached: logged('init: mount /proc') },
  { what: 'the createRuntime hook runs', certain: true, reached: (p) => existsSync(p.hookMarker) },
  { what: 'the init has dropped privileges', certain: false, reached: logged('init: drop privileges') },
  { what: 'state.json exists', certain: false, reached: (p) => existsSync(join(p.dir, 'state.json')) },
];

const USER_NAMESPACE_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

for (const [kind, extra] of [
  ['', () => {}],
  [' (new user namespace)', (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = USER_NAMESPACE_MAP;
    s.linux!.gidMappings = USER_NAMESPACE_MAP;
  }],
] as [string, (s: Spec) => void][]) t.test(`create killed at any point${kind}: delete --force removes everything`, async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const work = tempDir(t, 'ocirt-interrupted-');
  const hookMarker = join(work, 'hook-ran');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    delete s.process!.capabilities!.ambient;
    s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 100 } };
    s.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', 'touch "$0"; sleep 1', hookMarker] }] };
    extra(s);
  });
  const missed: string[] = [];
  for (const [n, { what, certain, reached }] of STOPS.entries()) {
    const id = `interrupted-${process.pid}-${n}`;
    t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
    const log = join(work, `${n}.log`);
    rmSync(hookMarker, { force: true });
    const create = spawn(...withoutTap(OCIRT, ['--root', root, '--log', log, '--debug', 'create', '--bundle', bundle, id]), { stdio: 'ignore' });
    const progress: Progress = { dir: join(root, id), children: [], log, hookMarker };
    const seen = new Set<number>();
    let stopped = false;
    while (create.exitCode === null && create.signalCode === null) {
      // The init is create's child until create dies; remember it to check it is gone.
      for (const c of descendantsOf(create.pid!)) seen.add(c);
      progress.children = [...seen];
      if (reached(progress)) {
        create.kill('SIGKILL');
        stopped = true;
        break;
      }
      await sleep(1);
    }
    await new Promise((r) => (create.exitCode !== null || create.signalCode !== null ? r(null) : create.once('exit', r)));
    if (!stopped && certain) missed.push(what);
    t.comment(`${what}: ${stopped ? 'create killed' : 'create had finished'}`);

    const d = ocirt(['--root', root, 'delete', '--force', id]);
    t.equal(d.status, 0, `${what}: delete --force: ${d.stderr}`);
    t.notOk(existsSync(progress.dir), `${what}: no state directory`);
    t.same(findCgroupDirs(id), [], `${what}: no cgroup`);
    for (let i = 0; i < 100 && [...seen].some(isAlive); i++) await sleep(20);
    t.same([...seen].filter(isAlive), [], `${what}: no init left (${[...seen].join(' ')})`);
  }
  t.same(missed, [], 'create was killed before it finished at every point up to the hook');
});
