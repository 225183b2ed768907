// Lifecycle (runtime.md "Lifecycle", "Operations", "State"; runc CLI contract): create, state,
// start, kill, delete, list, pause/resume, pid files, and the exit status of `run`.
//
// Where the spec lets runc differ: the spec defines no CLI, exit codes or `list`; those follow
// runc. The state of a stopped container is not required to carry a pid (runc reports 0). runc's
// state also has rootfs, created and owner fields, which the spec does not define.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  SUBJECT,
  assertSameAsReference,
  create,
  makeBundle,
  observeBoth,
  rt,
  runIn,
  setupSuite,
  stateOf,
  uniqueId,
  waitForStatus,
  type Bundle,
  type RuntimeName,
  type SpecPatch,
  type TapTest,
} from './helpers.js';

setupSuite(t);

const SLEEPER = 'trap "exit 0" TERM; sleep 3600 & wait $!';

t.test('run: the exit status of the process is the exit status of run', async (t) => {
  for (const code of [0, 3, 255]) {
    const both = await observeBoth(undefined, `echo out-${code}; exit ${code}`, { rootfs: 'shared' });
    t.equal(both.ocirt.status, code, `exit ${code}`);
    t.equal(both.ocirt.stdout, `out-${code}\n`);
    assertSameAsReference(t, both, ['status', 'stdout'], `exit ${code}`);
  }
});

t.test('run: a process killed by a signal gives 128+signal', async (t) => {
  // Without a PID namespace the shell is not PID 1, so it can signal itself to death.
  const noPidNs: SpecPatch = (spec) => {
    spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== 'pid');
  };
  for (const [sig, code] of [['KILL', 137], ['TERM', 143]] as const) {
    const both = await observeBoth(noPidNs, `kill -${sig} $$`, { rootfs: 'shared' });
    t.equal(both.ocirt.status, code, `SIG${sig}`);
    assertSameAsReference(t, both, ['status'], `SIG${sig}`);
  }
});

t.test('run: stdin and stdout pass through', async (t) => {
  const both = await observeBoth(undefined, 'read line; echo "got:$line"', { rootfs: 'shared', input: 'hello\n' });
  t.equal(both.ocirt.stdout, 'got:hello\n');
  assertSameAsReference(t, both);
});

t.test('run: a container killed from outside ends run with 128+9', async (t) => {
  const results: Record<string, number | null> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const bundle = await makeBundle((s) => void (s.process!.args = ['sleep', '3600']), { rootfs: 'shared' });
    const id = uniqueId('killrun');
    const running = runIn(runtime, bundle, undefined, { id });
    await waitForStatus(runtime, id, 'running');
    const k = await rt(runtime, 'kill', id, 'KILL');
    t.equal(k.status, 0, `${runtime} kill KILL succeeds`);
    results[runtime] = (await running).status;
  }
  t.equal(results[SUBJECT], 137);
  t.equal(results[SUBJECT], results[REFERENCE], 'ocirt matches runc');
});

/** Walk one container through its lifecycle and record what a caller can see at each step. */
async function lifecycleTrace(runtime: RuntimeName, t: TapTest): Promise<string[]> {
  const bundle: Bundle = await makeBundle(
    (s) => {
      s.process!.args = ['sh', '-c', SLEEPER];
      s.annotations = { 'org.example.key': 'value' };
    },
    { rootfs: 'shared' },
  );
  const trace: string[] = [];
  const pidFile = path.join(bundle.dir, 'init.pid');
  const c = await create(runtime, bundle, { pidFile });
  trace.push(`create: ${c.createResult.status}`);

  const created = await c.state();
  trace.push(`state after create: ${created?.status}`);
  if (created) {
    t.type(created.ociVersion, 'string', `${runtime}: state.ociVersion is a string`);
    t.equal(created.id, c.id, `${runtime}: state.id`);
    t.equal(created.bundle, bundle.dir, `${runtime}: state.bundle is the absolute bundle path`);
    t.same(created.annotations, { 'org.example.key': 'value' }, `${runtime}: state.annotations from the config`);
    t.ok(Number.isInteger(created.pid) && created.pid! > 0, `${runtime}: state.pid is a positive integer`);
    t.ok(fs.existsSync(`/proc/${created.pid}`), `${runtime}: the container process exists on the host`);
    // Callers (go-runc) parse the pid file with Atoi: digits only, no newline.
    t.equal(fs.readFileSync(pidFile, 'utf8'), String(created.pid), `${runtime}: --pid-file holds exactly the pid`);
  }
  trace.push(`create again with the same id: ${(await rt(runtime, 'create', '--bundle', bundle.dir, c.id)).status === 0 ? 'ok' : 'fails'}`);

  trace.push(`start: ${(await c.start()).status}`);
  trace.push(`state after start: ${(await c.state())?.status}`);
  trace.push(`start again: ${(await c.start()).status === 0 ? 'ok' : 'fails'}`);
  const ex = await c.exec(['sh', '-c', 'echo exec-ok; cat /proc/1/cmdline | tr "\\0" " "']);
  trace.push(`exec: ${ex.status} ${JSON.stringify(ex.stdout)}`);

  const list = await rt(runtime, 'list', '--format', 'json');
  const entries = JSON.parse(list.stdout || 'null') as { id: string; status: string; bundle: string; pid: number }[] | null;
  const mine = entries?.find((e) => e.id === c.id);
  trace.push(`list json: ${mine ? `${mine.status} ${mine.bundle === bundle.dir}` : 'missing'}`);
  const quiet = await rt(runtime, 'list', '-q');
  trace.push(`list -q has id: ${quiet.stdout.split('\n').includes(c.id)}`);

  trace.push(`pause: ${(await rt(runtime, 'pause', c.id)).status}`);
  trace.push(`state after pause: ${(await c.state())?.status}`);
  trace.push(`resume: ${(await rt(runtime, 'resume', c.id)).status}`);
  trace.push(`state after resume: ${(await c.state())?.status}`);

  trace.push(`delete while running: ${(await c.delete()).status === 0 ? 'ok' : 'fails'}`);
  trace.push(`state after failed delete: ${(await c.state())?.status}`);

  trace.push(`kill TERM: ${(await c.kill('TERM')).status}`);
  trace.push(`state after kill: ${(await c.waitStatus('stopped')).status}`);
  trace.push(`kill a stopped container: ${(await c.kill('TERM')).status === 0 ? 'ok' : 'fails'}`);
  trace.push(`delete: ${(await c.delete()).status}`);
  trace.push(`state after delete: ${(await stateOf(runtime, c.id)) ? 'exists' : 'gone'}`);
  trace.push(`delete again: ${(await c.delete()).status === 0 ? 'ok' : 'fails'}`);
  trace.push(`delete --force of a missing container: ${(await c.delete(true)).status === 0 ? 'ok' : 'fails'}`);
  return trace;
}

t.test('create, state, start, exec, list, pause, resume, kill, delete', async (t) => {
  const subject = await lifecycleTrace(SUBJECT, t);
  const reference = await lifecycleTrace(REFERENCE, t);
  t.same(subject, [
    'create: 0',
    'state after create: created',
    'create again with the same id: fails',
    'start: 0',
    'state after start: running',
    'start again: fails',
    'exec: 0 "exec-ok\\nsh -c trap \\"exit 0\\" TERM; sleep 3600 & wait $! "',
    'list json: running true',
    'list -q has id: true',
    'pause: 0',
    'state after pause: paused',
    'resume: 0',
    'state after resume: running',
    'delete while running: fails',
    'state after failed delete: running',
    'kill TERM: 0',
    'state after kill: stopped',
    'kill a stopped container: fails',
    'delete: 0',
    'state after delete: gone',
    'delete again: fails',
    'delete --force of a missing container: ok',
  ]);
  t.same(subject, reference, 'ocirt matches runc');
});

t.test('delete --force stops a running container', async (t) => {
  const out: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const bundle = await makeBundle((s) => void (s.process!.args = ['sleep', '3600']), { rootfs: 'shared' });
    const c = await create(runtime, bundle);
    await c.start();
    const pid = (await c.state())?.pid;
    const del = await c.delete(true);
    out[runtime] = [`delete --force: ${del.status}`, `state: ${(await c.state()) ? 'exists' : 'gone'}`];
    // The init may be a zombie for a moment until its parent reaps it.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      alive = fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (alive) await new Promise((r) => setTimeout(r, 20));
    }
    out[runtime].push(`process: ${alive ? 'alive' : 'gone'}`);
  }
  t.same(out[SUBJECT], ['delete --force: 0', 'state: gone', 'process: gone']);
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});

t.test('kill of a created (not started) container, then delete', async (t) => {
  const out: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const bundle = await makeBundle((s) => void (s.process!.args = ['sleep', '3600']), { rootfs: 'shared' });
    const c = await create(runtime, bundle);
    const k = await c.kill('KILL');
    out[runtime] = [`kill: ${k.status}`, `state: ${(await c.waitStatus('stopped')).status}`, `delete: ${(await c.delete()).status}`];
  }
  t.same(out[SUBJECT], ['kill: 0', 'state: stopped', 'delete: 0']);
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});

t.test('operations on an unknown container fail', async (t) => {
  const out: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const id = uniqueId('missing');
    out[runtime] = [];
    for (const op of [['state', id], ['start', id], ['kill', id, 'TERM'], ['delete', id]]) {
      const res = await rt(runtime, ...op);
      out[runtime].push(`${op[0]}: ${res.status === 0 ? 'ok' : 'fails'}`);
    }
  }
  t.same(out[SUBJECT], ['state: fails', 'start: fails', 'kill: fails', 'delete: fails']);
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});
