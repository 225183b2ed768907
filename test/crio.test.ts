// CRI-O's calls, made exactly as CRI-O (internal/oci/runtime_oci.go) and conmon make
// them: `--root=ROOT` before every sub-command, the bare environment CRI-O builds
// (XDG_RUNTIME_DIR, CRI_O_EXTERNAL=1, PATH), create from the bundle dir with the
// bundle's pidfile, state read from stdout alone, kill by decimal number then by name
// without SIG, kill -a, foreground exec --process with pipes, delete --force, and
// features read through combined output.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, OCIRT, tempDir, requireRoot, ensureRootfs, withoutTap, type Result } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

let n = 0;
const newId = (what: string) => `crio-${what}-${process.pid}-${++n}`;
import { setTimeout as sleep } from 'node:timers/promises';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A container driven the way CRI-O drives its runtime handler. */
function crioContainer(t: Test, args = ['sleep', '300']) {
  const root = tempDir(t, 'ocirt-crio-root-');
  const xdg = tempDir(t, 'ocirt-crio-xdg-');
  const bundle = makeBundle(t, (s) => { s.process!.args = args; });
  const id = newId('c');
  // prepareEnv(): nothing inherited but these.
  const env = { XDG_RUNTIME_DIR: xdg, CRI_O_EXTERNAL: '1', PATH };
  const R = (...a: string[]): Result => ocirt([`--root=${root}`, ...a], { env });
  t.teardown(() => { R('delete', '--force', id); });
  return { root, xdg, bundle, id, env, R };
}

type C = ReturnType<typeof crioContainer>;

/** conmon's create: cwd = bundle, `--root=ROOT create --bundle B --pid-file B/pidfile ID`. */
function create(c: C): Result {
  return ocirt([`--root=${c.root}`, 'create', '--bundle', c.bundle, '--pid-file', join(c.bundle, 'pidfile'), c.id],
    { env: c.env, cwd: c.bundle });
}

/** `state ID` decoded from stdout alone, as CRI-O's ContainerState. */
function state(c: C): { ociVersion: string; id: string; status: string; pid: number; bundle: string; created: string; annotations?: Record<string, string> } {
  const r = c.R('state', c.id);
  if (r.status !== 0) throw new Error(`state ${c.id} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function waitFor(c: C, status: string): Promise<string> {
  let s = '';
  for (let i = 0; i < 100; i++) {
    s = state(c).status;
    if (s === status) break;
    await sleep(50);
  }
  return s;
}

async function running(t: Test, c: C): Promise<void> {
  const r = create(c);
  t.equal(r.status, 0, `create: ${r.stderr}`);
  const s = c.R('start', c.id);
  t.equal(s.status, 0, `start: ${s.stderr}`);
  t.equal(await waitFor(c, 'running'), 'running');
}

t.test('create from the bundle dir with --root=ROOT, start, state running', async (t) => {
  const c = crioContainer(t);
  const r = create(c);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '', 'create prints nothing on stdout');
  const pidText = readFileSync(join(c.bundle, 'pidfile'), 'utf8');
  t.match(pidText, /^\d+$/, 'B/pidfile holds the init pid, digits only');
  t.equal(state(c).status, 'created');
  t.equal(c.R('start', c.id).status, 0);

  const r2 = c.R('state', c.id);
  t.equal(r2.status, 0, r2.stderr);
  const st = JSON.parse(r2.stdout);
  t.equal(st.id, c.id);
  t.equal(st.status, 'running');
  t.equal(st.pid, Number(pidText));
  t.equal(st.bundle, c.bundle);
  t.type(st.ociVersion, 'string');
  t.ok(st.ociVersion.length > 0, 'ociVersion set');
  t.notOk(Number.isNaN(Date.parse(st.created)), 'created is a timestamp');
  t.ok(existsSync(`/proc/${st.pid}`), 'the init runs');
});

t.test('the container writes to the stdio conmon hands to create', async (t) => {
  const c = crioContainer(t, ['sh', '-c', 'echo to-out; echo to-err >&2; exec sleep 300']);
  // conmon gives the runtime pipes (stdin only with -i); create returns while the
  // container keeps them, so the call ends on 'exit', not on the pipes' end.
  const child = spawn(...withoutTap(OCIRT, [`--root=${c.root}`, 'create', '--bundle', c.bundle, '--pid-file', join(c.bundle, 'pidfile'), c.id]),
    { cwd: c.bundle, env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  t.teardown(() => { child.stdout!.destroy(); child.stderr!.destroy(); });
  const code = await new Promise((res) => child.on('exit', res));
  t.equal(code, 0, err);
  t.equal(c.R('start', c.id).status, 0);
  for (let i = 0; i < 100 && !(out.includes('to-out') && err.includes('to-err')); i++) await sleep(50);
  t.equal(out, 'to-out\n', "the container's stdout is conmon's stdout pipe, with nothing from the runtime");
  t.equal(err, 'to-err\n', "the container's stderr is conmon's stderr pipe");
});

t.test('stop: kill ID <decimal>, state stopped, then kill ID KILL says container not running', async (t) => {
  const c = crioContainer(t, ['sh', '-c', 'trap "exit 0" TERM; sleep 300 & wait']);
  await running(t, c);
  const r = c.R('kill', c.id, '15');
  t.equal(r.status, 0, r.stderr);
  t.equal(await waitFor(c, 'stopped'), 'stopped');

  const r2 = c.R('state', c.id);
  t.equal(r2.status, 0, r2.stderr);
  const st = JSON.parse(r2.stdout);
  t.equal(st.status, 'stopped', 'state of a stopped container is pure JSON on stdout');
  t.equal(st.pid, 0);
  t.equal(st.id, c.id);

  const k = c.R('kill', c.id, 'KILL');
  t.not(k.status, 0, 'kill of a stopped container fails');
  t.match(k.stderr, /container not running/, 'the text CRI-O maps to ErrNotFound');
});

t.test('stop escalation: a signal the init ignores, then kill ID KILL', async (t) => {
  // sleep as PID 1 of its namespace has no handler for TERM, so TERM does nothing.
  const c = crioContainer(t);
  await running(t, c);
  t.equal(c.R('kill', c.id, '15').status, 0);
  await sleep(300);
  t.equal(state(c).status, 'running', 'TERM ignored by the init');
  const r = c.R('kill', c.id, 'KILL');
  t.equal(r.status, 0, r.stderr);
  t.equal(await waitFor(c, 'stopped'), 'stopped');
});

t.test('kill -a ID 9 on a running and on a stopped container', async (t) => {
  const c = crioContainer(t, ['sh', '-c', 'sleep 300 & sleep 301 & wait']);
  await running(t, c);
  const r = c.R('kill', '-a', c.id, '9');
  t.equal(r.status, 0, r.stderr);
  t.equal(await waitFor(c, 'stopped'), 'stopped');
  const again = c.R('kill', '-a', c.id, '9');
  t.equal(again.status, 0, `kill -a of a stopped container is not an error: ${again.stderr}`);
});

/** CRI-O's streaming exec: foreground, stdio pipes, env = only XDG_RUNTIME_DIR. */
function execProcess(t: Test, c: C, args: string[], input: string) {
  const file = join(tempDir(t, 'ocirt-crio-exec-'), 'exec-process');
  // CRI-O writes the container's process with args/env replaced: capabilities
  // included (without ambient ones, which CRI-O does not set).
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  writeFileSync(file, JSON.stringify({
    terminal: false, user: { uid: 0, gid: 0 }, args, cwd: '/', env: [`PATH=${PATH}`],
    capabilities: { bounding: caps, effective: caps, permitted: caps },
  }));
  return spawnSync(...withoutTap(OCIRT, [`--root=${c.root}`, 'exec', '--process', file, c.id]),
    { env: { XDG_RUNTIME_DIR: c.xdg }, input, encoding: 'utf8', timeout: 60_000 });
}

t.test('foreground exec --process with pipes: separate stdout/stderr, stdin fed, exit status passed', async (t) => {
  const c = crioContainer(t);
  await running(t, c);
  const r = execProcess(t, c, ['sh', '-c', 'read l; echo "got:$l"; echo "on-err" >&2; exit 5'], 'hello\n');
  t.equal(r.status, 5, `the runtime exits with the process's status: ${r.stderr}`);
  t.equal(r.stdout, 'got:hello\n');
  t.equal(r.stderr, 'on-err\n');

  const ok = execProcess(t, c, ['cat'], 'line1\nline2\n');
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stdout, 'line1\nline2\n', 'stdin reaches the process and its end closes it');
  t.equal(ok.stderr, '');
});

t.test('delete --force of a running container, and of a missing id', async (t) => {
  const c = crioContainer(t);
  await running(t, c);
  const pid = state(c).pid;
  const r = c.R('delete', '--force', c.id);
  t.equal(r.status, 0, r.stderr);
  t.notOk(existsSync(join(c.root, c.id)), 'state dir removed');
  t.notOk(existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 'init is gone');
  const missing = c.R('delete', '--force', c.id);
  t.equal(missing.status, 0, `delete --force of a missing id exits 0: ${missing.stderr}`);
  const never = c.R('delete', '--force', newId('never'));
  t.equal(never.status, 0, never.stderr);
});

t.test('delete --force of a stopped container', async (t) => {
  const c = crioContainer(t, ['true']);
  t.equal(create(c).status, 0);
  t.equal(c.R('start', c.id).status, 0);
  t.equal(await waitFor(c, 'stopped'), 'stopped');
  const r = c.R('delete', '--force', c.id);
  t.equal(r.status, 0, r.stderr);
  t.match(c.R('state', c.id).stderr, /container does not exist/);
});

/** stdout and stderr into one file, as Go's CombinedOutput does. */
function combined(t: Test, args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const dir = tempDir(t, 'ocirt-crio-out-');
  const fd = openSync(join(dir, 'out'), 'w+');
  try {
    const r = spawnSync(...withoutTap(OCIRT, args), { env, stdio: ['ignore', fd, fd], timeout: 60_000 });
    return { status: r.status, output: readFileSync(join(dir, 'out'), 'utf8') };
  } finally {
    closeSync(fd);
  }
}

t.test('features and --version through combined output', async (t) => {
  const xdg = tempDir(t, 'ocirt-crio-xdg-');
  const env = { XDG_RUNTIME_DIR: xdg, CRI_O_EXTERNAL: '1', PATH };
  for (const args of [['features'], [`--root=${tempDir(t, 'ocirt-crio-root-')}`, 'features']]) {
    const r = combined(t, args, env);
    t.equal(r.status, 0, args.join(' '));
    let f: { ociVersionMin?: string; ociVersionMax?: string; mountOptions?: string[] } = {};
    t.doesNotThrow(() => { f = JSON.parse(r.output); }, `${args.join(' ')}: combined output is JSON`);
    t.ok(f.ociVersionMin, 'ociVersionMin non-empty');
    t.ok(f.ociVersionMax, 'ociVersionMax non-empty');
    t.ok(Array.isArray(f.mountOptions), 'mountOptions listed (CRI-O looks for rro)');
  }
  const v = combined(t, ['--version'], env);
  t.equal(v.status, 0);
  t.match(v.output, /version/);
});
