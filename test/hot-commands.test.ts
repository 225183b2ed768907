// The commands engines call all day load only what they use: state, list, kill,
// start, delete, pause, resume and ps never load yargs (their command lines are parsed
// plainly), ajv, the config validators or the init's code; state and list, which need no syscall without a plain-fs form (no
// lock: flock(2)), never load Koffi. `state` takes no lock. None but ps loads node:child_process,
// node:stream, node:tty or node:url, which hooks and foreground streams load when they run. The module graph is the same in the compiled binary;
// here it is watched on Node, which can report every module it loads.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OCIRT, REPO, ocirt, tempDir, requireRoot, ensureRootfs, withoutTap } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

const CLI_ON_NODE = join(REPO, 'dist/src/cli/main.js');
const HEAVY = /node_modules\/yargs|\/cli\/yargs-parse|node_modules\/ajv\/|\/generated\/validators|\/config\/validate|\/src\/init\/|\/rootfs\/(?:prepare|finalize|mounts)/;
const KOFFI = /koffi\.node|node_modules\/koffi\/|node_modules\/@koromix\/koffi-/;
/** Our bindings and syscall constants (the errno names, ffi/errno.js and ffi/errors.js, are plain tables every error may use). */
const FFI_BINDINGS = /\/dist\/ffi\/(?!errno\.js|errors\.js)/;
/** Engine modules that cost a start close to a millisecond or more; loaded only where used (hooks, foreground streams, ps). */
const HEAVY_BUILTINS = /^node:(?:child_process|stream|tty|url)$/;

/** Runs the CLI on Node with a hook that lists every module and file it loads. */
function tracedCli(t: Test, args: string[], entry = CLI_ON_NODE): { status: number | null; stderr: string; loaded: string[] } {
  const dir = tempDir(t, 'ocirt-trace-');
  const log = join(dir, 'loaded');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'loader.mjs'), `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(out, r.url + '\\n');
  return r;
}`);
  writeFileSync(join(dir, 'register.mjs'), `
import { register, default as Module } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = ${JSON.stringify(log)};
register(new URL('./loader.mjs', import.meta.url), { data: { out } });
const load = Module._load;
Module._load = function (request, ...rest) { appendFileSync(out, 'require ' + request + '\\n'); return load.call(this, request, ...rest); };`);
  const r = spawnSync(...withoutTap(process.execPath, ['--import', join(dir, 'register.mjs'), entry, ...args]), { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

function created(t: Test): { root: string; id: string } {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '300'];
    delete s.process!.capabilities!.ambient;
  });
  const id = `hot-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  t.teardown(() => { ocirt(['--root', root, 'delete', '--force', id]); });
  const errFile = join(tempDir(t), 'create.err');
  const err = openSync(errFile, 'w');
  const r = spawnSync(...withoutTap(OCIRT, ['--root', root, 'create', '--bundle', bundle, id]), { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
  closeSync(err);
  if (r.status !== 0) throw new Error(`create failed: ${readFileSync(errFile, 'utf8')}`);
  return { root, id };
}

t.test('hot commands load neither the validators nor the init, and Koffi only where a syscall needs it', async (t) => {
  const { root, id } = created(t);
  const steps: [string[], boolean][] = [
    [['state', id], false],
    [['list'], false],
    [['start', id], true], // poll(2) on exec.fifo and a pidfd
    [['pause', id], true], // the container's lock: flock(2) has no plain-fs form
    [['ps', id], true], // it starts ps: the caller's fds are made close-on-exec first
    [['resume', id], true],
    [['kill', id, 'KILL'], true],
    [['delete', id], true], // pidfd_open, and umount(2) where there are host mounts
  ];
  for (const [args, syscalls] of steps) {
    const r = tracedCli(t, ['--root', root, ...args]);
    t.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    t.ok(r.loaded.some((m) => m.includes('/dist/src/')), `${args[0]}: the trace sees our modules`);
    t.same(r.loaded.filter((m) => HEAVY.test(m)), [], `${args[0]}: no yargs, validator, init or rootfs code`);
    if (!syscalls) {
      t.same(r.loaded.filter((m) => KOFFI.test(m)), [], `${args[0]}: no Koffi`);
      t.same(r.loaded.filter((m) => FFI_BINDINGS.test(m)), [], `${args[0]}: no module of Koffi bindings or syscall constants`);
    }
    if (args[0] !== 'ps') t.same(r.loaded.filter((m) => HEAVY_BUILTINS.test(m)), [], `${args[0]}: no child_process, stream, tty or url`);
    // delete (not --force) needs the killed container stopped.
    for (let i = 0; args[0] === 'kill' && i < 100 && !/"status": "stopped"/.test(ocirt(['--root', root, 'state', id]).stdout); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  t.ok(tracedCli(t, ['--root', root, 'state', 'nope']).loaded.length > 0);
  // An engine's shim deletes twice: the second finds nothing, before the delete code is loaded.
  const gone = tracedCli(t, ['--root', root, 'delete', '--force', id]);
  t.equal(gone.status, 0, gone.stderr);
  t.same(gone.loaded.filter((m) => m.includes('/operations/delete.js')), [], 'delete --force of a missing container loads no delete code');
});

t.test("the inits' code loads no child_process, stream, tty or url until it runs a hook or a terminal", async (t) => {
  const dir = tempDir(t, 'ocirt-init-graph-');
  const entry = join(dir, 'import-inits.mjs');
  // Their code imported, not run (run, an init needs the runtime's fds).
  writeFileSync(entry, `await import(${JSON.stringify(join(REPO, 'dist/src/init/standard-init.js'))});
await import(${JSON.stringify(join(REPO, 'dist/src/init/exec-init.js'))});`);
  const r = tracedCli(t, [], entry);
  t.equal(r.status, 0, r.stderr);
  t.ok(r.loaded.some((m) => m.includes('/dist/src/rootfs/')), 'the trace sees the init\'s modules');
  t.same(r.loaded.filter((m) => HEAVY_BUILTINS.test(m)), []);
});

t.test('state takes no lock: it answers while another command holds the container', async (t) => {
  const { root, id } = created(t);
  // flock(1) holds the container directory's lock, as a running command would.
  const holder = spawn('flock', [join(root, id), 'sleep', '30'], { stdio: 'ignore' });
  t.teardown(() => { holder.kill('SIGKILL'); });
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const r = ocirt(['--root', root, 'state', id], { timeout: 10_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /"status": "created"/);
  t.ok(Date.now() - t0 < 5000, `answered in ${Date.now() - t0} ms while the lock was held`);
  const list = ocirt(['--root', root, 'list', '-q'], { timeout: 10_000 });
  t.equal(list.stdout, `${id}\n`, 'list too');
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
});
