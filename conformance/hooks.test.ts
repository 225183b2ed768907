// Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): each kind runs at its point
// of the lifecycle, in order, with the container state as JSON on stdin, its args and env, and
// failures handled as the spec says.
//
// Where runc may differ: the relative order of prestart and createRuntime is not fixed by the spec
// (runc runs prestart first). The status each hook sees is runc's ("creating" up to
// createContainer, "created" in startContainer, "stopped" in poststop); the spec fixes only the
// lifecycle step. A stopped container's state need not carry a pid, so poststop's is not checked.
// runc 1.1.5 runs poststart hooks at the end of `create` (status "created", before startContainer),
// and a failing one fails `create`; the spec wants them after the user process started, with a
// failure only logged. That is a known gap of the reference (subjectLacks('poststartAfterStart')):
// poststart is left out of the ocirt-vs-runc comparison and checked against the spec instead.
// After a failing poststop hook runc 1.1.5 skips the remaining poststop hooks (the spec says they
// still run); that test checks only that delete succeeds.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  SUBJECT,
  create,
  makeBundle,
  setupSuite,
  stateOf,
  tempDir,
  type RuntimeName,
  subjectLacks,
  type TapTest,
} from './helpers.js';
import type { HookKind, Spec, SpecHook } from './base-config.js';

setupSuite(t);

const KINDS: HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/**
 * A hook that records its stdin (the state) and its place in the order. The marker dir is a host
 * path, bind-mounted at /markers for startContainer, whose path resolves inside the container.
 */
function markerHook(kind: HookKind, markers: string, extra: Partial<SpecHook> = {}): SpecHook {
  const script = `d=${markers}; [ -d "$d" ] || d=/markers; cat > "$d/${kind}.json"; echo ${kind} >> "$d/order"${
    extra.env ? `; echo "$HOOK_VAR" > "$d/${kind}.env"` : ''
  }`;
  return { path: '/bin/sh', args: ['sh', '-c', script], ...extra };
}

function withHooks(markers: string, hooks: Partial<Record<HookKind, SpecHook[]>>) {
  return (s: Spec) => {
    s.hooks = hooks;
    s.mounts!.push({ destination: '/markers', type: 'bind', source: markers, options: ['bind'] });
    s.process!.args = ['sh', '-c', 'echo process >> /markers/order'];
  };
}

function readOrder(markers: string): string[] {
  const f = path.join(markers, 'order');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
}

interface HookRun {
  order: string[];
  states: Partial<Record<HookKind, Record<string, unknown>>>;
  steps: string[];
}

/** create, start, wait for stopped, delete; record the steps' results and the hooks' markers. */
async function runLifecycle(runtime: RuntimeName, hooks: (markers: string) => Partial<Record<HookKind, SpecHook[]>>): Promise<HookRun & { id: string; bundleDir: string }> {
  const markers = await tempDir('markers');
  const bundle = await makeBundle(withHooks(markers, hooks(markers)), { rootfs: 'copy' });
  const steps: string[] = [];
  const c = await create(runtime, bundle);
  steps.push(`create: ${c.createResult.status === 0 ? 'ok' : 'fails'}`);
  if (c.created) {
    const started = await c.start();
    steps.push(`start: ${started.status === 0 ? 'ok' : 'fails'}`);
    steps.push(`state: ${(await c.waitStatus('stopped').catch(() => undefined))?.status ?? 'not stopped'}`);
  }
  const del = await c.delete(true);
  steps.push(`delete --force: ${del.status === 0 ? 'ok' : 'fails'}`);
  steps.push(`after delete: ${(await stateOf(runtime, c.id)) ? 'exists' : 'gone'}`);
  const states: HookRun['states'] = {};
  for (const kind of KINDS) {
    const f = path.join(markers, `${kind}.json`);
    if (fs.existsSync(f)) states[kind] = JSON.parse(fs.readFileSync(f, 'utf8') || 'null');
  }
  return { order: readOrder(markers), states, steps, id: c.id, bundleDir: bundle.dir };
}

/** The state a hook saw, with the volatile parts replaced. */
function normalState(s: Record<string, unknown> | undefined, id: string, bundleDir: string) {
  if (!s) return s;
  return {
    ...s,
    // Each runtime reports the spec version it implements (runc 1.1.5: 1.0.2-dev, ocirt: 1.3.0).
    ociVersion: typeof s.ociVersion === 'string' && s.ociVersion ? '<ociVersion>' : s.ociVersion,
    id: s.id === id ? '<id>' : s.id,
    bundle: s.bundle === bundleDir ? '<bundle>' : s.bundle,
    pid: typeof s.pid === 'number' && s.pid > 0 ? '<pid>' : s.pid,
  };
}

const PRE_START: HookKind[] = ['prestart', 'createRuntime', 'createContainer'];

t.test('every hook kind runs once, in lifecycle order, with the state on stdin', async (t) => {
  const all = (markers: string) => Object.fromEntries(KINDS.map((k) => [k, [markerHook(k, markers)]]));
  const runs: Record<string, Awaited<ReturnType<typeof runLifecycle>>> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) runs[runtime] = await runLifecycle(runtime, all);
  const subject = runs[SUBJECT];
  const order = subject.order;
  const at = (k: string) => order.indexOf(k);
  t.same(subject.steps, ['create: ok', 'start: ok', 'state: stopped', 'delete --force: ok', 'after delete: gone']);
  t.same(
    order.filter((k) => k !== 'process').sort(),
    [...KINDS].sort(),
    'each hook ran exactly once',
  );
  t.same(order.slice(0, 3), PRE_START, 'prestart, createRuntime, createContainer come first, in that order');
  t.ok(at('createContainer') < at('startContainer') && at('startContainer') < at('process'), 'startContainer runs after create, before the user process');
  t.equal(order.at(-1), 'poststop', 'poststop runs last');

  for (const kind of KINDS) {
    const st = subject.states[kind];
    t.ok(st, `${kind} received a state`);
    if (!st) continue;
    t.type(st.ociVersion, 'string', `${kind}: ociVersion`);
    t.equal(st.id, subject.id, `${kind}: id`);
    t.equal(st.bundle, subject.bundleDir, `${kind}: bundle is the absolute bundle path`);
    if (kind !== 'poststop') t.ok(Number.isInteger(st.pid) && (st.pid as number) > 0, `${kind}: pid of the container process`);
  }
  const statusOf = (k: HookKind) => subject.states[k]?.status;
  t.same(
    Object.fromEntries(KINDS.filter((k) => k !== 'poststart').map((k) => [k, statusOf(k)])),
    { prestart: 'creating', createRuntime: 'creating', createContainer: 'creating', startContainer: 'created', poststop: 'stopped' },
    'status seen by each hook',
  );
  if (await subjectLacks('poststartAfterStart')) {
    t.ok(at('poststart') < at('startContainer'), 'runc 1.1 runs poststart during create (known gap)');
    t.equal(statusOf('poststart'), 'created', 'runc 1.1: poststart sees "created" (known gap)');
  } else {
    t.ok(at('startContainer') < at('poststart'), 'poststart runs after the user process was started');
    t.equal(statusOf('poststart'), 'running', 'poststart sees "running"');
  }

  // Compared with runc: everything but poststart (see the header) and the racy user process.
  const ref = runs[REFERENCE];
  const comparable = (o: string[]) => o.filter((k) => k !== 'process' && k !== 'poststart');
  t.same(comparable(order), comparable(ref.order), 'order: ocirt matches runc');
  const others = KINDS.filter((k) => k !== 'poststart');
  t.same(
    others.map((k) => normalState(subject.states[k], subject.id, subject.bundleDir)),
    others.map((k) => normalState(ref.states[k], ref.id, ref.bundleDir)),
    'states: ocirt matches runc',
  );
  t.same(subject.steps, ref.steps, 'steps: ocirt matches runc');
});

t.test('hooks get their env; all hooks of a kind run in order', async (t) => {
  const results: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const markers = await tempDir('markers');
    const bundle = await makeBundle(
      withHooks(markers, {
        createRuntime: [
          markerHook('createRuntime', markers, { env: ['HOOK_VAR=from-config', 'PATH=/usr/bin:/bin'] }),
          { path: '/bin/sh', args: ['sh', '-c', `echo second >> ${markers}/order`] },
          { path: '/bin/sh', args: ['sh', '-c', `echo "third $0 $1" >> ${markers}/order`, 'arg0', 'arg1'] },
        ],
      }),
    );
    const c = await create(runtime, bundle);
    await c.delete(true);
    results[runtime] = [...readOrder(markers), fs.readFileSync(path.join(markers, 'createRuntime.env'), 'utf8')];
  }
  t.same(results[SUBJECT], ['createRuntime', 'second', 'third arg0 arg1', 'from-config\n']);
  t.same(results[SUBJECT], results[REFERENCE], 'ocirt matches runc');
});

/** Run the lifecycle under both runtimes with a failing hook in front of `kind`'s marker hook. */
async function withFailingHook(kind: HookKind, hook: SpecHook = { path: '/bin/false' }) {
  const runs: Record<string, HookRun> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    runs[runtime] = await runLifecycle(runtime, (markers) => {
      const hooks: Partial<Record<HookKind, SpecHook[]>> = {};
      for (const k of KINDS) hooks[k] = [markerHook(k, markers)];
      hooks[kind] = [hook, ...hooks[kind]!];
      return hooks;
    });
  }
  return runs;
}

function assertMatchesRunc(t: TapTest, runs: Record<string, HookRun>, what: string) {
  const hooksRun = (r: HookRun) => r.order.filter((k) => k !== 'process');
  t.same(runs[SUBJECT].steps, runs[REFERENCE].steps, `${what}: steps match runc`);
  t.same(hooksRun(runs[SUBJECT]), hooksRun(runs[REFERENCE]), `${what}: hooks run match runc`);
}

t.test('a failing createRuntime hook fails create; poststop still runs', async (t) => {
  const runs = await withFailingHook('createRuntime');
  const r = runs[SUBJECT];
  t.equal(r.steps[0], 'create: fails');
  t.equal(r.steps.at(-1), 'after delete: gone');
  t.notOk(r.order.includes('process'), 'the user process never ran');
  t.notOk(r.order.includes('createRuntime'), 'the marker hook after the failing one did not run');
  t.notOk(r.order.includes('createContainer'), 'later hooks did not run');
  t.ok(r.order.includes('poststop'), 'poststop ran');
  assertMatchesRunc(t, runs, 'createRuntime failing');
});

t.test('a failing prestart hook fails create', async (t) => {
  const runs = await withFailingHook('prestart');
  const r = runs[SUBJECT];
  t.equal(r.steps[0], 'create: fails');
  t.notOk(r.order.includes('process'), 'the user process never ran');
  t.ok(r.order.includes('poststop'), 'poststop ran');
  assertMatchesRunc(t, runs, 'prestart failing');
});

t.test('a failing createContainer hook fails create', async (t) => {
  const runs = await withFailingHook('createContainer');
  const r = runs[SUBJECT];
  t.equal(r.steps[0], 'create: fails');
  t.notOk(r.order.includes('process'), 'the user process never ran');
  assertMatchesRunc(t, runs, 'createContainer failing');
});

t.test('a failing poststart hook is only a warning', async (t) => {
  const runs = await withFailingHook('poststart');
  const r = runs[SUBJECT];
  if (await subjectLacks('poststartAfterStart')) {
    t.equal(r.steps[0], 'create: fails', 'runc 1.1 fails create instead (known gap)');
    return;
  }
  t.same(r.steps, ['create: ok', 'start: ok', 'state: stopped', 'delete --force: ok', 'after delete: gone']);
  t.ok(r.order.includes('process'), 'the user process ran');
  t.ok(r.order.includes('poststart'), 'the remaining poststart hooks ran');
});

t.test('a failing poststop hook does not fail delete', async (t) => {
  const runs = await withFailingHook('poststop');
  t.same(runs[SUBJECT].steps, ['create: ok', 'start: ok', 'state: stopped', 'delete --force: ok', 'after delete: gone']);
  // The spec says the remaining poststop hooks still run; runc 1.1.5 skips them, so which hooks ran
  // is neither asserted nor compared here.
  t.same(runs[SUBJECT].steps, runs[REFERENCE].steps, 'poststop failing: steps match runc');
});

t.test('a hook that outlives its timeout fails create', async (t) => {
  const durations: Record<string, number> = {};
  const steps: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const markers = await tempDir('markers');
    const bundle = await makeBundle(
      withHooks(markers, { createRuntime: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] }),
    );
    const began = Date.now();
    const c = await create(runtime, bundle);
    durations[runtime] = Date.now() - began;
    steps[runtime] = [`create: ${c.created ? 'ok' : 'fails'}`, `state: ${(await c.state()) ? 'exists' : 'gone'}`];
  }
  t.same(steps[SUBJECT], ['create: fails', 'state: gone']);
  t.ok(durations[SUBJECT] < 10_000, `create gave up after the 1 s timeout (took ${durations[SUBJECT]} ms)`);
  t.same(steps[SUBJECT], steps[REFERENCE], 'ocirt matches runc');
});

t.test('each hook runs in the namespaces the spec names', async (t) => {
  // createContainer and startContainer run in the container's mount namespace; the others in the runtime's.
  const nsHook = (kind: HookKind, markers: string): SpecHook => ({
    path: '/bin/sh',
    args: ['sh', '-c', `d=${markers}; [ -d "$d" ] || d=/markers; readlink /proc/self/ns/mnt > "$d/${kind}.mnt"; cat >/dev/null`],
  });
  const hostMnt = fs.readlinkSync('/proc/self/ns/mnt');
  const seen: Record<string, Record<string, string>> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    let dir = '';
    await runLifecycle(runtime, (markers) => {
      dir = markers;
      return Object.fromEntries(KINDS.map((k) => [k, [nsHook(k, markers)]]));
    });
    seen[runtime] = Object.fromEntries(KINDS.map((k) => {
      const f = path.join(dir, `${k}.mnt`);
      const ns = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : 'did not run';
      return [k, ns === hostMnt ? 'runtime' : ns === 'did not run' ? ns : 'container'];
    }));
  }
  const expected = { prestart: 'runtime', createRuntime: 'runtime', createContainer: 'container', startContainer: 'container', poststart: 'runtime', poststop: 'runtime' };
  t.same(seen[SUBJECT], expected);
  t.same(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});

t.test('startContainer runs with the process\'s user and capabilities', async (t) => {
  // runc runs it from the init once the credentials and capabilities are the process's.
  const hook = (markers: string): SpecHook => ({
    path: '/bin/sh',
    args: ['sh', '-c', `d=${markers}; [ -d "$d" ] || d=/markers; id -u > "$d/uid"; grep CapBnd /proc/self/status > "$d/caps"; cat >/dev/null`],
  });
  const seen: Record<string, string> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const markers = await tempDir('markers');
    fs.chmodSync(markers, 0o777);
    const bundle = await makeBundle((s) => {
      withHooks(markers, { startContainer: [hook(markers)] })(s);
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
      s.process!.args = ['true'];
    }, { rootfs: 'copy' });
    const c = await create(runtime, bundle);
    t.ok(c.created, `${runtime} create`);
    if (c.created) {
      t.equal((await c.start()).status, 0, `${runtime} start`);
      await c.waitStatus('stopped').catch(() => undefined);
    }
    await c.delete(true);
    const read = (f: string) => (fs.existsSync(path.join(markers, f)) ? fs.readFileSync(path.join(markers, f), 'utf8').trim() : 'did not run');
    seen[runtime] = `${read('uid')} ${read('caps')}`;
  }
  t.equal(seen[SUBJECT], '1000 CapBnd:\t0000000000000021', "uid 1000, the process's bounding set");
  t.equal(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});
