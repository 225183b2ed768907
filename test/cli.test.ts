// The CLI contract that needs no container: flag forms, usage errors, exit codes,
// outputs of version/features/spec/list/state/delete for missing containers.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ocirt, tempDir, OCIRT, REPO } from './helpers.js';
import { checkFeatures, checkSpec } from '../src/config/validate.js';

t.test("the caller's engine variables (BUN_*, JSC_*, NODE_OPTIONS) change nothing", async (t) => {
  // Spawned directly: the helpers' env wrapper would drop NODE_OPTIONS itself.
  const run = (env: Record<string, string>, args: string[]) => spawnSync(OCIRT, args, { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 30_000 });
  const plain = run({}, ['--version']);
  t.equal(plain.status, 0);
  const hostile: Record<string, string>[] = [
    { BUN_BE_BUN: '1' }, // would make a compiled Bun binary the bun command itself
    { BUN_OPTIONS: '--print 1' },
    { BUN_JSC_useJIT: '0', JSC_useDFGJIT: '0' },
    { NODE_OPTIONS: '--require /nonexistent.js' },
  ];
  for (const env of hostile) {
    const r = run(env, ['--version']);
    t.equal(r.status, 0, `${Object.keys(env).join(',')}: ${r.stderr}`);
    t.equal(r.stdout, plain.stdout, `${Object.keys(env).join(',')}: the runtime's own --version`);
  }
  const root = tempDir(t, 'ocirt-root-');
  const missing = run({ BUN_BE_BUN: '1', NODE_OPTIONS: '--inspect' }, ['--root', root, 'state', 'nope']);
  t.equal(missing.status, 1, 'arguments survive the restart');
  t.match(missing.stderr, /container does not exist/);
});

t.test('--version and -v', async (t) => {
  for (const flag of ['--version', '-v']) {
    const r = ocirt([flag]);
    t.equal(r.status, 0);
    t.match(r.stdout, /^ocirt version \d+\.\d+\.\d+\n(.*\n)*spec: 1\.3\.0\n/);
  }
});

t.test('starts with an empty environment (no PATH)', async (t) => {
  const r = ocirt(['--version'], { env: {} });
  t.equal(r.status, 0, r.stderr);
  t.equal(readFileSync(OCIRT).subarray(0, 4).toString('latin1'), '\x7fELF', 'bin/ocirt is an executable of its own, no interpreter to find');
  const x = ocirt(['features'], { env: { XDG_RUNTIME_DIR: '' } });
  t.equal(x.status, 0);
});

t.test('features: pure JSON on stdout, nothing on stderr, valid document', async (t) => {
  const r = ocirt(['features']);
  t.equal(r.status, 0);
  t.equal(r.stderr, '');
  const doc = JSON.parse(r.stdout);
  t.same(checkFeatures(doc), [], 'validates against our features schema');
  t.equal(doc.ociVersionMax, '1.3.0');
  t.ok(doc.mountOptions.includes('rro'));
  t.match(r.stdout, /^\{\n {4}"ociVersionMin"/, '4-space indent like runc');
});

t.test('spec writes a valid config and refuses to overwrite', async (t) => {
  const dir = tempDir(t);
  let r = ocirt(['spec', '--bundle', dir]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  t.same(checkSpec(spec), []);
  t.same(spec.process.args, ['sh']);
  r = ocirt(['spec', '-b', dir]);
  t.equal(r.status, 1);
  t.match(r.stderr, /File config.json exists. Remove it first/);
  const rootless = tempDir(t);
  t.equal(ocirt(['spec', '--rootless', `--bundle=${rootless}`]).status, 0);
  t.ok(JSON.parse(readFileSync(join(rootless, 'config.json'), 'utf8')).linux.namespaces.some((n: { type: string }) => n.type === 'user'));
});

t.test('global flags in every form', async (t) => {
  const root = tempDir(t);
  for (const args of [['--root', root, 'list'], [`--root=${root}`, 'list'], ['-root', root, 'list'], [`-root=${root}`, 'list'],
    ['--root', root, '--log-format=json', '--debug', 'list'], ['--root', root, '--criu', 'criu', 'list'],
    ['--root', root, '--systemd-cgroup', 'list'], ['--root', root, '--rootless=false', 'list'], ['--root', root, '--rootless', 'true', 'list']]) {
    const r = ocirt(args);
    t.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    t.match(r.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n$/, args.join(' '));
  }
});

t.test('list --format json prints null when empty; -q prints nothing', async (t) => {
  const root = tempDir(t);
  t.equal(ocirt(['--root', root, 'list', '--format', 'json']).stdout, 'null\n');
  t.equal(ocirt(['--root', root, 'list', '--format=json']).stdout, 'null\n');
  t.equal(ocirt(['--root', root, 'list', '-f', 'json']).stdout, 'null\n');
  t.equal(ocirt(['--root', root, 'list', '-q']).stdout, '');
});

t.test('unknown flags and missing values are usage errors', async (t) => {
  let r = ocirt(['--bogus', 'state', 'x']);
  t.equal(r.status, 1);
  t.match(r.stdout, /^Incorrect Usage/);
  t.match(r.stderr, /flag provided but not defined: -bogus/);
  r = ocirt(['state', '--bogus', 'x']);
  t.equal(r.status, 1);
  t.match(r.stderr, /flag provided but not defined: -bogus/);
  r = ocirt(['create', '--bundle']);
  t.equal(r.status, 1);
  t.match(r.stderr, /flag needs an argument: -bundle/);
  r = ocirt(['--log-format', 'xml', 'list']);
  t.equal(r.status, 1);
  t.match(r.stderr, /invalid log-format: xml/);
  r = ocirt(['--root', '/', 'list']);
  t.equal(r.status, 1);
  t.match(r.stderr, /should not be set to \//);
});

t.test('wrong argument counts', async (t) => {
  let r = ocirt(['start']);
  t.equal(r.status, 1);
  t.match(r.stdout, /^Incorrect Usage\./);
  t.match(r.stderr, /\\"start\\" requires exactly 1 argument\(s\)/);
  r = ocirt(['kill', 'a', 'b', 'c']);
  t.match(r.stderr, /\\"kill\\" requires a maximum of 2 argument\(s\)/);
  r = ocirt(['list', 'extra']);
  t.match(r.stderr, /\\"list\\" requires exactly 0 argument\(s\)/);
});

t.test('help exits 0', async (t) => {
  for (const args of [['--help'], ['-h'], ['create', '--help'], ['kill', '-h']]) {
    const r = ocirt(args);
    t.equal(r.status, 0, args.join(' '));
    t.match(r.stdout, /USAGE:/);
  }
});

t.test('missing containers', async (t) => {
  const root = tempDir(t);
  for (const cmd of [['state', 'nope'], ['start', 'nope'], ['kill', 'nope'], ['kill', 'nope', 'KILL'], ['delete', 'nope']]) {
    const r = ocirt(['--root', root, ...cmd]);
    t.equal(r.status, 1, cmd.join(' '));
    t.match(r.stderr, /level=error msg="container does not exist"/, cmd.join(' '));
    t.equal(r.stdout, '');
  }
  const f = ocirt(['--root', root, 'delete', '--force', 'nope']);
  t.equal(f.status, 0, 'delete --force of an unknown id exits 0');
  t.equal(ocirt(['--root', root, 'delete', '-f', 'nope']).status, 0);
  const bad = ocirt(['--root', root, 'state', '../x']);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /invalid container ID format/);
});

t.test('--log with --log-format json: JSON lines in the file, plain text on stderr', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'log.json');
  writeFileSync(log, '');
  const r = ocirt(['--root', dir, '--log', log, '--log-format', 'json', 'state', 'nope']);
  const r2 = ocirt(['--root', dir, `--log=${log}`, '--log-format=json', 'kill', 'nope', '9']);
  t.equal(r.status, 1);
  t.equal(r2.status, 1);
  t.equal(r.stderr, 'container does not exist\n');
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 2, 'appended across invocations');
  for (const l of lines) {
    t.equal(l.level, 'error');
    t.equal(l.msg, 'container does not exist');
    t.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  }
  const j = ocirt(['--root', dir, '--log-format', 'json', 'state', 'nope']);
  t.same(Object.keys(JSON.parse(j.stderr)), ['level', 'msg', 'time'], 'without --log the JSON line goes to stderr');
});

t.test('kill: an unknown container is reported before a bad signal', async (t) => {
  const root = tempDir(t);
  const r = ocirt(['--root', root, 'kill', 'x', 'NOPE']);
  t.equal(r.status, 1);
  t.match(r.stderr, /container does not exist/);
});

t.test('checkpoint and restore: the probes engines run parse as with runc', async (t) => {
  // Podman: `checkpoint --help` exits 0, and `restore --lsm-mount-context` without a
  // value answers "flag needs an argument".
  let r = ocirt(['checkpoint', '--help']);
  t.equal(r.status, 0);
  t.match(r.stdout, /ocirt checkpoint - checkpoint a running container/);
  t.match(r.stdout, /--image-path value/);
  r = ocirt(['restore', '--lsm-mount-context']);
  t.equal(r.status, 1);
  t.match(r.stdout + r.stderr, /flag needs an argument: -lsm-mount-context/);
  r = ocirt(['restore', '--help']);
  t.equal(r.status, 0);
  t.match(r.stdout, /--lsm-profile value/);
  // The operations themselves are refused, after runc's own checks.
  const root = tempDir(t);
  r = ocirt(['--root', root, 'checkpoint', '--image-path', join(root, 'img'), '--leave-running', 'nope']);
  t.equal(r.status, 1);
  t.match(r.stderr, /container does not exist/);
  r = ocirt(['--root', root, 'restore', '--bundle', root, '--image-path', join(root, 'img'), '-d', 'nope']);
  t.equal(r.status, 1);
  t.match(r.stderr, /config\.json not found/);
  r = ocirt(['--root', root, 'restore', '--bundle', join(REPO, 'bundles/hello'), 'nope']);
  t.equal(r.status, 1);
  t.match(r.stderr, /cannot checkpoint or restore containers: it has no CRIU support/);
});
