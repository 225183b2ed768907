import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ValidationIssue } from './errors.js';
import { exampleSpec } from './example-spec.js';
import { parseConfigText } from './load.js';
import {
  PATTERN_MEANINGS,
  checkFeatures,
  checkSpec,
  checkState,
  validateFeatures,
  validateSpec,
  validateState,
} from './validate.js';

/** The repository root: the nearest directory above this file (src/ or dist/src/) holding our schemas. */
function findRepoRoot(): string {
  for (const start of [path.dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'schemas', 'config.schema.json'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot find the repository root (no schemas/config.schema.json above the test)');
}

const repoRoot = findRepoRoot();

/**
 * The runtime-spec's own schema test documents, when a copy of the spec sits in a `shared/reference`
 * directory beside the repository or above it: an extra check, not a requirement (our own examples
 * in test/examples are always checked).
 */
function findOfficialTests(): string | undefined {
  for (let dir = path.dirname(repoRoot); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared/reference/runtime-spec-v1.3.0/schema/test');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
const officialTests = findOfficialTests();
const ourExamples = path.join(repoRoot, 'test/examples');

const lines = (issues: ValidationIssue[]): string[] => issues.map((i) => `${i.pointer}: ${i.message}`);
const minimal = () => ({ ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] } });

type Kind = 'config' | 'state' | 'features';
const checkers: Record<Kind, (doc: unknown) => ValidationIssue[]> = {
  config: checkSpec,
  state: checkState,
  features: checkFeatures,
};

/** Checks every good/bad document under `base`: good ones validate, bad ones are rejected. Returns the counts. */
function checkExampleTree(t: Test, base: string): { good: number; bad: number } {
  let good = 0;
  let bad = 0;
  for (const kind of ['config', 'state', 'features'] as Kind[]) {
    for (const verdict of ['good', 'bad'] as const) {
      const dir = path.join(base, kind, verdict);
      if (!fs.existsSync(dir)) continue;
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        const name = `${kind}/${verdict}/${file}`;
        if (verdict === 'good') {
          good++;
          t.same(lines(checkers[kind](JSON.parse(text))), [], `${name} validates`);
          continue;
        }
        bad++;
        let doc: unknown;
        try {
          doc = parseConfigText(text, `${kind}.json`);
        } catch (err) {
          t.type(err, ConfigError, `${name} is rejected by the JSON parser of the loader`);
          t.match((err as Error).message, /^invalid \w+\.json: JSON syntax error at line \d+, column \d+: /);
          continue;
        }
        t.not(checkers[kind](doc).length, 0, `${name} is rejected by the schema`);
      }
    }
  }
  return { good, bad };
}

t.test('our example documents: good ones validate, bad ones are rejected', async (t) => {
  const { good, bad } = checkExampleTree(t, ourExamples);
  t.ok(good >= 6, `found our good examples (${good})`);
  t.ok(bad >= 9, `found our bad examples (${bad})`);
});

t.test('our bad examples are rejected for the right reason', async (t) => {
  const read = (kind: string, file: string): unknown => JSON.parse(fs.readFileSync(path.join(ourExamples, kind, 'bad', file), 'utf8'));
  t.same(lines(checkSpec(read('config', 'hugepage-size.json'))), [
    '/linux/resources/hugepageLimits/0/pageSize: must be a page size such as 64KB, 2MB or 1GB',
  ]);
  t.same(lines(checkSpec(read('config', 'netdevice-name.json'))), ['/linux/netDevices/veth0/name: must be a string']);
  t.same(lines(checkSpec(read('config', 'rdma-handles.json'))), ['/linux/resources/rdma/mlx4_0/hcaHandles: must be an integer']);
  t.same(lines(checkSpec(read('config', 'process-without-cwd.json'))), ['/process/cwd: is required']);
  t.same(lines(checkSpec(read('config', 'namespace-type.json'))), [
    '/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    '/root: is required',
  ]);
  t.same(lines(checkState(read('state', 'running-without-pid.json'))), ['/pid: is required']);
  t.same(lines(checkState(read('state', 'empty-id.json'))), ['/id: must not be empty']);
  t.same(lines(checkFeatures(read('features', 'without-max.json'))), ['/ociVersionMax: is required']);
});

if (officialTests) {
  t.test('official runtime-spec v1.3.0 test documents', async (t) => {
    const { good, bad } = checkExampleTree(t, officialTests);
    t.ok(good >= 12, `found the good examples (${good})`);
    t.ok(bad >= 6, `found the bad examples (${bad})`);
  });

  t.test('official bad examples are rejected for the right reason', async (t) => {
    const read = (kind: string, file: string): unknown =>
      JSON.parse(fs.readFileSync(path.join(officialTests, kind, 'bad', file), 'utf8'));
    t.same(lines(checkSpec(read('config', 'linux-hugepage.json'))), [
      '/linux/resources/hugepageLimits/0/pageSize: must be a page size such as 64KB, 2MB or 1GB',
    ]);
    t.same(lines(checkSpec(read('config', 'linux-netdevice.json'))), ['/linux/netDevices/eth0/name: must be a string']);
    t.same(lines(checkSpec(read('config', 'linux-rdma.json'))), ['/linux/resources/rdma/mlx5_1/hcaHandles: must be an integer']);
    t.same(lines(checkSpec(read('config', 'freebsd-vnet-disable.json'))), ['/freebsd/jail/vnet: must be one of new, inherit']);
    t.same(lines(checkFeatures(read('features', 'missing-ociVersionMax.json'))), ['/ociVersionMax: is required']);
  });
} else {
  t.comment(`no runtime-spec reference copy (shared/reference) beside or above ${repoRoot}: official documents not checked`);
}

t.test('messages name the field and the broken rule', async (t) => {
  const cases: [string, (spec: any) => void, string[]][] = [
    ['empty args', (s) => (s.process.args = []), ['/process/args: must have at least 1 item']],
    ['missing args', (s) => delete s.process.args, ['/process/args: is required']],
    ['missing cwd', (s) => delete s.process.cwd, ['/process/cwd: is required']],
    ['relative cwd', (s) => (s.process.cwd = 'tmp'), ['/process/cwd: must be an absolute path']],
    ['missing root', (s) => delete s.root, ['/root: is required']],
    ['missing ociVersion', (s) => delete s.ociVersion, ['/ociVersion: is required']],
    ['non-semver ociVersion', (s) => (s.ociVersion = '1.0'), ['/ociVersion: must be a SemVer 2.0.0 version such as 1.3.0']],
    [
      'unknown namespace',
      (s) => (s.linux = { namespaces: [{ type: 'net' }] }),
      ['/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time'],
    ],
    ['relative namespace path', (s) => (s.linux = { namespaces: [{ type: 'pid', path: 'proc/1/ns/pid' }] }), ['/linux/namespaces/0/path: must be an absolute path']],
    ['uid out of range', (s) => (s.process.user = { uid: 4294967296, gid: 0 }), ['/process/user/uid: must be <= 4294967295']],
    ['negative gid', (s) => (s.process.user = { uid: 0, gid: -1 }), ['/process/user/gid: must be >= 0']],
    ['user without gid', (s) => (s.process.user = { uid: 0 }), ['/process/user/gid: is required']],
    ['string for boolean', (s) => (s.process.terminal = 'yes'), ['/process/terminal: must be a boolean']],
    ['bad rlimit name', (s) => (s.process.rlimits = [{ type: 'NOFILE', soft: 1, hard: 1 }]), ['/process/rlimits/0/type: must be an RLIMIT_* name such as RLIMIT_NOFILE']],
    ['relative hook path', (s) => (s.hooks = { poststop: [{ path: 'x' }] }), ['/hooks/poststop/0/path: must be an absolute path']],
    ['zero hook timeout', (s) => (s.hooks = { prestart: [{ path: '/x', timeout: 0 }] }), ['/hooks/prestart/0/timeout: must be >= 1']],
    ['empty annotation key', (s) => (s.annotations = { '': 'x' }), ['/annotations: property name "" must not be empty']],
    ['annotation value not a string', (s) => (s.annotations = { a: 1 }), ['/annotations/a: must be a string']],
    [
      'uidMappings without gidMappings on a mount',
      (s) => (s.mounts = [{ destination: '/x', uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }]),
      ['/mounts/0/gidMappings: is required when uidMappings is set'],
    ],
    [
      'char device without numbers',
      (s) => (s.linux = { devices: [{ type: 'c', path: '/dev/x' }] }),
      ['/linux/devices/0/major: is required', '/linux/devices/0/minor: is required'],
    ],
    ['FIFO device without numbers is fine', (s) => (s.linux = { devices: [{ type: 'p', path: '/dev/fifo' }] }), []],
    [
      'rdma entry with no limit',
      (s) => (s.linux = { resources: { rdma: { mlx5_1: {} } } }),
      ['/linux/resources/rdma/mlx5_1: must have at least one of hcaHandles, hcaObjects'],
    ],
    [
      'weight device with no weight',
      (s) => (s.linux = { resources: { blockIO: { weightDevice: [{ major: 8, minor: 0 }] } } }),
      ['/linux/resources/blockIO/weightDevice/0: must have at least one of weight, leafWeight'],
    ],
    [
      'seccomp listenerMetadata without listenerPath',
      (s) => (s.linux = { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' } }),
      ['/linux/seccomp/listenerPath: is required when listenerMetadata is set'],
    ],
    ['empty syscall names', (s) => (s.linux = { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] } }), ['/linux/seccomp/syscalls/0/names: must have at least 1 item']],
    ['memBwSchema with newline', (s) => (s.linux = { intelRdt: { memBwSchema: 'MB:0=20\nL3:0=f' } }), ['/linux/intelRdt/memBwSchema: must start with "MB:" and contain no newline']],
    ['device cgroup access letters', (s) => (s.linux = { resources: { devices: [{ allow: true, access: 'rwx' }] } }), ['/linux/resources/devices/0/access: must only contain the letters r, w and m']],
    ['rootfsPropagation value', (s) => (s.linux = { rootfsPropagation: 'none' }), ['/linux/rootfsPropagation: must be one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable']],
    ['containerd writes rslave', (s) => (s.linux = { rootfsPropagation: 'rslave' }), []],
    ['memoryPolicy without mode', (s) => (s.linux = { memoryPolicy: { nodes: '0' } }), ['/linux/memoryPolicy/mode: is required']],
    ['unknown properties are ignored', (s) => (s.linux = { somethingNew: { x: 1 } }), []],
    ['a key with a slash is escaped in the pointer', (s) => (s.linux = { netDevices: { 'a/b': { name: 1 } } }), ['/linux/netDevices/a~1b/name: must be a string']],
  ];
  for (const [name, mutate, expected] of cases) {
    const spec = minimal();
    mutate(spec);
    t.same(lines(checkSpec(spec)), expected, name);
  }
});

t.test('several problems are all reported, without ajv noise', async (t) => {
  const spec: any = minimal();
  spec.process.args = [];
  spec.process.user = { uid: 'root', gid: 0 };
  spec.linux = {
    namespaces: [{ type: 'bogus' }],
    devices: [{ type: 'b', path: '/dev/sda' }],
    resources: { blockIO: { weightDevice: [{ major: 8, minor: 0 }] }, rdma: { x: {} } },
  };
  const issues = checkSpec(spec);
  t.same(lines(issues), [
    '/process/args: must have at least 1 item',
    '/process/user/uid: must be an integer',
    '/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
    '/linux/devices/0/major: is required',
    '/linux/devices/0/minor: is required',
    '/linux/resources/blockIO/weightDevice/0: must have at least one of weight, leafWeight',
    '/linux/resources/rdma/x: must have at least one of hcaHandles, hcaObjects',
  ], 'all of them, in document order');
  for (const i of issues) t.notMatch(i.message, /"then"|"else"|anyOf|oneOf|schema/, `no combinator noise: ${i.message}`);
});

t.test('whole-document problems use the empty pointer', async (t) => {
  t.same(checkSpec(null), [{ pointer: '', message: 'must be an object' }]);
  t.same(checkSpec([]), [{ pointer: '', message: 'must be an object' }]);
});

t.test('Windows documents follow the Windows rules', async (t) => {
  const win = { ociVersion: '1.3.0', process: { cwd: 'C:\\', commandLine: 'cmd.exe' }, windows: { layerFolders: ['C:\\layers\\1'] } };
  t.same(checkSpec(win), [], 'no root, no args, non-POSIX cwd');
  const noCommand = { ...win, process: { cwd: 'C:\\' } };
  t.same(lines(checkSpec(noCommand)), ['/process/commandLine: is required']);
  t.same(lines(checkSpec({ ...win, windows: { layerFolders: [] } })), ['/windows/layerFolders: must have at least 1 item']);
});

t.test('validateSpec throws ConfigError listing the issues', async (t) => {
  const spec: any = minimal();
  spec.process.args = [];
  delete spec.root;
  const err = t.throws(() => validateSpec(spec)) as ConfigError;
  t.type(err, ConfigError);
  t.type(err, Error);
  t.equal(err.name, 'ConfigError');
  // In document order: present fields first, a missing one after its siblings.
  t.equal(err.message, 'invalid config.json: /process/args: must have at least 1 item\n/root: is required');
  t.same(lines([...err.issues]), ['/process/args: must have at least 1 item', '/root: is required']);
  const ok: unknown = minimal();
  validateSpec(ok);
  t.equal(ok.process?.cwd, '/', 'narrows to Spec');
});

t.test('state documents', async (t) => {
  const state = { ociVersion: '1.3.0', id: 'c1', status: 'running', pid: 42, bundle: '/b' };
  t.same(checkState(state), []);
  t.same(checkState({ ...state, status: 'paused' }), [], 'runtimes may add statuses');
  t.same(checkState({ ...state, status: 'stopped', pid: undefined }), [], 'pid not needed once stopped');
  t.same(lines(checkState({ ...state, pid: undefined })), ['/pid: is required']);
  t.same(lines(checkState({ ...state, status: 'created', pid: undefined })), ['/pid: is required']);
  t.same(lines(checkState({ ...state, bundle: 'b' })), ['/bundle: must be an absolute path']);
  t.same(lines(checkState({ ...state, id: '' })), ['/id: must not be empty']);
  t.throws(() => validateState({}), { name: 'ConfigError', message: /^invalid state: \/ociVersion: is required\n/ });
});

t.test('features documents', async (t) => {
  const doc = { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' };
  t.same(checkFeatures(doc), []);
  t.same(checkFeatures({ ...doc, hooks: null, linux: null, annotations: null }), [], 'every optional property may be null');
  t.same(checkFeatures({ ...doc, linux: { cgroup: { v2: null }, seccomp: null, intelRdt: { schemata: true } } }), []);
  t.same(lines(checkFeatures({ ...doc, linux: { namespaces: ['net'] } })), [
    '/linux/namespaces/0: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
  ]);
  t.same(lines(checkFeatures({ ...doc, linux: 'x' })), ['/linux: must be an object or null']);
  t.same(lines(checkFeatures({ ...doc, linux: { capabilities: ['chown'] } })), ['/linux/capabilities/0: must be a CAP_* name such as CAP_CHOWN']);
  t.same(lines(checkFeatures({ ...doc, ociVersionMax: null })), ['/ociVersionMax: must be a string']);
  t.throws(() => validateFeatures({ ociVersionMin: '1.0.0' }), { message: 'invalid features: /ociVersionMax: is required' });
});

t.test('the example spec validates', async (t) => {
  for (const rootless of [false, true]) {
    for (const cgroupNamespace of [false, true]) {
      t.same(checkSpec(exampleSpec({ rootless, cgroupNamespace })), [], `rootless=${rootless} cgroupns=${cgroupNamespace}`);
    }
  }
});

t.test('every pattern used by the schemas has a readable meaning', async (t) => {
  const schemaDir = path.join(repoRoot, 'schemas');
  const found: { file: string; where: string; pattern: string }[] = [];
  const walk = (node: unknown, file: string, where: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, file, `${where}/${i}`));
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string') found.push({ file, where, pattern: v });
      else walk(v, file, `${where}/${k}`);
    }
  };
  for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'))) {
    walk(JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')), file, '#');
  }
  t.ok(found.length > 5);
  for (const { file, where, pattern } of found) {
    t.ok(pattern in PATTERN_MEANINGS, `${file} ${where}: pattern ${pattern} has a meaning`);
  }
});
