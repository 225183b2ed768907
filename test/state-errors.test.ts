// What `state`, `list` and the other commands answer when --root or an entry under it
// is not what they expect, and while a container is still being created.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OCIRT, REPO, ocirt, tempDir, requireRoot, ensureRootfs, findCgroupDirs, processesWith, withoutTap, type Result } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

const uniq = (tag: string) => `se-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
import { setTimeout as sleep } from 'node:timers/promises';

/** The msg of the error line the runtime logged. */
function logged(r: Result): string {
  return /level=error msg="(.*)"/.exec(r.stderr)?.[1] ?? r.stderr;
}

/** A state.json of ours for a container whose init is long gone (pid 2^22+1 cannot exist). */
function stoppedRecord(id: string, bundle: string): string {
  return JSON.stringify({
    version: 1, id, bundle, rootfs: `${bundle}/rootfs`, pid: 4194305, pidStartTime: '1', created: '2026-01-01T00:00:00Z',
    config: { ociVersion: '1.3.0' }, cgroup: {}, systemdCgroup: false, rootless: false, owner: 0,
  });
}

t.test('--root that is a file: every command names it with runc\'s message and changes nothing', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'root-file');
  writeFileSync(file, 'not a directory');
  const bundle = makeBundle(t);
  const id = uniq('rootfile');
  const want = `mkdir ${file}: not a directory`;
  for (const [root, args, prefix] of [
    [file, ['state', id], ''], [file, ['list'], ''], [file, ['delete', id], ''], [file, ['delete', '--force', id], ''],
    [file, ['kill', id, 'KILL'], ''], [file, ['start', id], ''], [file, ['pause', id], ''],
    [join(file, 'below'), ['state', id], ''],
    [file, ['create', '--bundle', bundle, id], 'ocirt create failed: '], [file, ['run', '--bundle', bundle, id], 'ocirt run failed: '],
  ] as [string, string[], string][]) {
    const r = ocirt(['--root', root, ...args]);
    t.equal(r.status, 1, `${args[0]}: exits 1`);
    t.equal(logged(r), `${prefix}${want}`, `${args.join(' ')} (root ${root})`);
  }
  t.equal(readFileSync(file, 'utf8'), 'not a directory', 'the file is untouched');
  t.same(readdirSync(dir), ['root-file'], 'nothing made beside it');
  t.same(findCgroupDirs(id), [], 'no cgroup');
  t.same(processesWith(bundle), [], 'no process');
});

t.test('list warns about each entry it cannot read and lists the rest; state names the file; delete --force removes it', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t);
  const good = ['a-good', 'z-good'];
  for (const id of good) {
    mkdirSync(join(root, id));
    writeFileSync(join(root, id, 'state.json'), stoppedRecord(id, bundle));
  }
  const foreign: Record<string, string | undefined> = {
    'f-runc': JSON.stringify({ id: 'f-runc', init_process_pid: 1, init_process_start: 1, created: '2026-01-01T00:00:00Z', config: {} }),
    'f-empty': '{}', 'f-array': '[]', 'f-null': 'null', 'f-string': '"x"', 'f-garbage': 'not json {', 'f-nofile': undefined,
  };
  for (const [id, text] of Object.entries(foreign)) {
    mkdirSync(join(root, id));
    if (text !== undefined) writeFileSync(join(root, id, 'state.json'), text);
  }
  const json = ocirt(['--root', root, 'list', '--format', 'json']);
  t.equal(json.status, 0, 'list succeeds');
  t.notMatch(json.stderr, /TypeError|Cannot read/, 'no JavaScript error');
  t.same((JSON.parse(json.stdout) as { id: string; status: string }[]).map((c) => [c.id, c.status]),
    good.map((id) => [id, 'stopped']), 'the readable containers are listed');
  for (const [id, text] of Object.entries(foreign)) {
    const file = join(root, id, 'state.json');
    const why = text === undefined ? `${id}: container does not exist` : `${id}: state file ${file}: `;
    t.ok(json.stderr.includes(why), `list warns about ${id}`);
  }
  const table = ocirt(['--root', root, 'list']);
  t.equal(table.status, 0);
  t.match(table.stdout, /^ID +PID +STATUS/);
  t.equal(table.stdout.trim().split('\n').length, 1 + good.length, 'table: header and the readable ones');
  t.same(ocirt(['--root', root, 'list', '-q']).stdout.trim().split('\n'), good, 'quiet: the readable ids');

  for (const id of Object.keys(foreign).filter((id) => foreign[id] !== undefined)) {
    const r = ocirt(['--root', root, 'state', id]);
    t.equal(r.status, 1, `state ${id} fails`);
    t.match(logged(r), new RegExp(`^state file ${join(root, id, 'state.json')}: (not valid JSON|not an ocirt container state: .+)$`), `state ${id} names the file`);
    const plain = ocirt(['--root', root, 'delete', id]);
    t.equal(plain.status, 1, `delete ${id} without --force refuses`);
    t.ok(existsSync(join(root, id)), `and keeps ${id}`);
    const forced = ocirt(['--root', root, 'delete', '--force', id]);
    t.equal(forced.status, 0, `delete --force ${id}: ${forced.stderr}`);
    t.notOk(existsSync(join(root, id)), `delete --force removes ${id}`);
  }
  t.equal(ocirt(['--root', root, 'delete', '--force', 'f-nofile']).status, 0);
  t.same(readdirSync(root).sort(), good, 'only the good ones are left');
});

t.test('a state.json a non-root user cannot read: list (as that user) warns with the errno and lists the rest', async (t) => {
  const top = tempDir(t);
  chmodSync(top, 0o755);
  const root = join(top, 'root');
  mkdirSync(root);
  const bundle = makeBundle(t);
  for (const id of ['locked', 'open']) {
    mkdirSync(join(root, id));
    writeFileSync(join(root, id, 'state.json'), stoppedRecord(id, bundle));
  }
  chmodSync(join(root, 'locked', 'state.json'), 0o000);
  for (const p of [root, join(root, 'locked'), join(root, 'open'), join(root, 'open', 'state.json'), join(root, 'locked', 'state.json')]) {
    chownSync(p, 65534, 65534);
  }
  const out = tempDir(t);
  chmodSync(out, 0o777);
  const stdout = openSync(join(out, 'o'), 'w+');
  const stderr = openSync(join(out, 'e'), 'w+');
  const r = spawnSync(...withoutTap(OCIRT, ['--root', root, 'list', '--format', 'json']),
    { uid: 65534, gid: 65534, stdio: ['ignore', stdout, stderr], timeout: 60_000 });
  closeSync(stdout);
  closeSync(stderr);
  const err = readFileSync(join(out, 'e'), 'utf8');
  t.equal(r.status, 0, `list as nobody succeeds: ${err}`);
  t.same((JSON.parse(readFileSync(join(out, 'o'), 'utf8')) as { id: string }[]).map((c) => c.id), ['open']);
  t.ok(err.includes(`locked: state file ${join(root, 'locked', 'state.json')}: open: EACCES (permission denied)`), err);
});

t.test('a container being created shows as creating in state and list, without waiting for create', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const sync = tempDir(t, 'ocirt-sync-');
  chmodSync(sync, 0o777);
  const id = uniq('creating');
  // The createRuntime hook saves the state it was given and waits (bounded) until the test lets it go.
  const bundle = makeBundle(t, (s) => {
    s.hooks = {
      createRuntime: [{
        path: '/bin/sh',
        args: ['sh', '-c', `cat > ${sync}/hook-state; touch ${sync}/entered; i=0; while [ ! -e ${sync}/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`],
      }],
    };
  });
  const out = openSync(join(sync, 'create.out'), 'w+');
  const create = spawn(...withoutTap(OCIRT, ['--root', root, 'create', '--bundle', bundle, id]),
    { stdio: ['ignore', out, out] });
  closeSync(out);
  const createExit = new Promise<number | null>((res) => create.on('exit', (code) => res(code)));
  t.teardown(async () => {
    writeFileSync(join(sync, 'go'), '');
    await Promise.race([createExit, sleep(30_000)]);
    ocirt(['--root', root, 'delete', '--force', id]);
  });

  for (let i = 0; i < 600 && !existsSync(join(sync, 'entered')); i++) await sleep(50);
  t.ok(existsSync(join(sync, 'entered')), 'create reached its createRuntime hook');
  const hookPid = (JSON.parse(readFileSync(join(sync, 'hook-state'), 'utf8')) as { pid: number }).pid;

  const t0 = Date.now();
  const st = ocirt(['--root', root, 'state', id], { timeout: 10_000 });
  t.ok(Date.now() - t0 < 10_000, 'state answers while create holds the container');
  t.equal(st.status, 0, `state succeeds: ${st.stderr}`);
  const state = JSON.parse(st.stdout) as Record<string, unknown>;
  t.match(state, { ociVersion: '1.3.0', id, status: 'creating', pid: hookPid, bundle });
  t.ok(hookPid > 0, 'the init pid is known');
  const list = ocirt(['--root', root, 'list', '--format', 'json'], { timeout: 10_000 });
  t.equal(list.status, 0, `list succeeds: ${list.stderr}`);
  t.match(JSON.parse(list.stdout), [{ id, status: 'creating', pid: hookPid, bundle }]);
  t.match(ocirt(['--root', root, 'list'], { timeout: 10_000 }).stdout, new RegExp(`${id} +${hookPid} +creating `));

  writeFileSync(join(sync, 'go'), '');
  t.equal(await Promise.race([createExit, sleep(30_000).then(() => 'timeout')]), 0, 'create completes once the hook returns');
  const after = JSON.parse(ocirt(['--root', root, 'state', id]).stdout) as Record<string, unknown>;
  t.match(after, { id, status: 'created', pid: hookPid, created: state.created });
  t.equal(ocirt(['--root', root, 'delete', '--force', id]).status, 0);
  t.same(findCgroupDirs(id), [], 'no cgroup left');
});

t.test('the leftover of a create that was killed is not shown as creating', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const id = uniq('killed');
  mkdirSync(join(root, id));
  // What a runtime killed before spawning the init leaves: its journal, its own pid long gone.
  writeFileSync(join(root, id, 'create.json'), JSON.stringify({ creator: { pid: 4194305, startTime: '1' }, bundle: '/b' }));
  const r = ocirt(['--root', root, 'state', id]);
  t.equal(r.status, 1);
  t.equal(logged(r), 'container does not exist');
  t.equal(ocirt(['--root', root, 'delete', '--force', id]).status, 0);
  t.notOk(existsSync(join(root, id)), 'delete --force removes it');
});
