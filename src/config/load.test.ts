import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors.js';
import { exampleSpec } from './example-spec.js';
import { loadBundleConfig, parseConfigText } from './load.js';

function tempBundle(t: Test, config?: string | object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  if (config !== undefined) {
    fs.writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, '\t'));
  }
  return dir;
}

const example = () => exampleSpec({ rootless: false, cgroupNamespace: false });

function loadError(t: Test, dir: string): ConfigError {
  try {
    loadBundleConfig(dir);
  } catch (err) {
    t.type(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loading ${dir} did not fail`);
}

t.test('loads a valid bundle and returns its real absolute path', async (t) => {
  const dir = tempBundle(t, example());
  const link = `${dir}-link`;
  fs.symlinkSync(dir, link);
  t.teardown(() => fs.rmSync(link, { force: true }));
  const before = fs.readdirSync(dir);
  const { spec, bundle } = loadBundleConfig(link);
  t.equal(bundle, fs.realpathSync(dir), 'symlinks resolved, like getcwd() after chdir');
  t.same(spec, example());
  t.same(fs.readdirSync(dir), before, 'creates nothing in the bundle');
});

t.test('a relative bundle path is taken from the working directory', async (t) => {
  const dir = tempBundle(t, example());
  const cwd = process.cwd();
  process.chdir(path.dirname(dir));
  t.teardown(() => process.chdir(cwd));
  t.equal(loadBundleConfig(path.basename(dir)).bundle, fs.realpathSync(dir));
});

t.test('missing bundle or config.json', async (t) => {
  const dir = tempBundle(t);
  const configPath = path.join(fs.realpathSync(dir), 'config.json');
  t.equal(loadError(t, dir).message, `JSON specification file ${configPath} not found`);
  const gone = path.join(dir, 'nope');
  t.equal(loadError(t, gone).message, `bundle directory ${gone} not found`);
  fs.mkdirSync(path.join(dir, 'config.json'));
  t.equal(loadError(t, dir).message, `${configPath} is not a regular file`);
});

t.test('unreadable config.json names the syscall and errno', async (t) => {
  // Permission bits do not stop root (tests run as root), so use a path through a regular file: ENOTDIR.
  const dir = tempBundle(t);
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, '');
  t.equal(loadError(t, file).message, `open ${path.join(fs.realpathSync(dir), 'file', 'config.json')}: ENOTDIR`);
});

t.test('JSON syntax errors give line and column', async (t) => {
  const dir = tempBundle(t, '{\n\t"ociVersion": "1.3.0",\n\t]\n}\n');
  const err = loadError(t, dir);
  t.match(err.message, /^invalid config\.json: JSON syntax error at line 3, column 2: \S/);
  t.same(err.issues, []);
  t.match(loadError(t, tempBundle(t, '{"ociVersion": "1.3.0"')).message, /^invalid config\.json: JSON syntax error at line 1, column 23: \S/);
  t.match(loadError(t, tempBundle(t, '')).message, /JSON syntax error at line 1, column 1: Unexpected end of JSON input/);
  t.throws(() => parseConfigText('{]', 'state.json'), { message: /^invalid state\.json: JSON syntax error at line 1, column 2: / });
});

t.test('schema problems are listed with their pointers', async (t) => {
  t.equal(loadError(t, tempBundle(t, 'null')).message, 'invalid config.json: (root): must be an object');
  const spec: any = example();
  spec.process.args = [];
  spec.linux.namespaces[0].type = 'pids';
  const err = loadError(t, tempBundle(t, spec));
  t.equal(
    err.message,
    'invalid config.json: /process/args: must have at least 1 item\n' +
      '/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
  );
  t.equal(err.issues.length, 2);
});

t.test('semantic problems come after the schema passes', async (t) => {
  const noProcess: any = example();
  delete noProcess.process;
  t.equal(loadError(t, tempBundle(t, noProcess)).message, 'invalid config.json: /process: is required');
  const noUts: any = example();
  noUts.linux.namespaces = noUts.linux.namespaces.filter((ns: any) => ns.type !== 'uts');
  const err = loadError(t, tempBundle(t, noUts));
  t.equal(err.message, 'invalid config.json: /hostname: unable to set hostname without a private UTS namespace');
  t.same(err.issues, [{ pointer: '/hostname', message: 'unable to set hostname without a private UTS namespace' }]);
});

t.test('semantic options are passed through', async (t) => {
  const spec: any = example();
  spec.linux.namespaces = spec.linux.namespaces.map((ns: any) => (ns.type === 'network' ? { type: 'network', path: '/run/netns/x' } : ns));
  spec.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
  const dir = tempBundle(t, spec);
  t.ok(loadBundleConfig(dir, { isHostNetns: () => false }));
  t.throws(() => loadBundleConfig(dir, { isHostNetns: () => true }), { message: /not allowed in host network namespace/ });
});
