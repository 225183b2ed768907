import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkProcessShape,
  parseAdditionalGids,
  parseUserFlag,
  processFromContainer,
  processFromFile,
  readProcessFile,
  validateExecProcess,
} from './exec-process.js';
import type { Process } from '../../generated/config.js';

const container = (): Process => ({
  terminal: true,
  user: { uid: 0, gid: 0, additionalGids: [10] },
  args: ['sleep', '100'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/',
  capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
  noNewPrivileges: true,
  apparmorProfile: 'prof',
});

t.test('the container process with overrides', async (t) => {
  const base = container();
  const p = processFromContainer(base, {
    args: ['sh', '-c', 'id'], cwd: '/tmp', env: ['A=2', 'B=3'], user: { uid: 1000, gid: 100 }, additionalGids: [5, 7],
  });
  t.same(p.args, ['sh', '-c', 'id'], 'args replaced');
  t.equal(p.cwd, '/tmp');
  t.same(p.env, ['PATH=/bin', 'A=1', 'A=2', 'B=3'], 'env appended (later entries win at exec)');
  t.equal(p.terminal, false, 'no terminal unless asked for');
  t.same(p.user, { uid: 1000, gid: 100, additionalGids: [10, 5, 7] });
  t.same(p.rlimits, base.rlimits, 'the rest is the container\'s');
  t.equal(p.noNewPrivileges, true);
  t.same(base.args, ['sleep', '100'], 'the container\'s process is not changed');
  t.same(base.user?.additionalGids, [10]);
});

t.test('overrides: tty, uid only, no-new-privs off, labels', async (t) => {
  const p = processFromContainer(container(), {
    args: ['true'], tty: true, user: { uid: 5 }, noNewPrivileges: false, apparmorProfile: 'other',
  });
  t.equal(p.terminal, true);
  t.same(p.user, { uid: 5, gid: 0, additionalGids: [10] });
  t.equal(p.noNewPrivileges, false);
  t.equal(p.apparmorProfile, 'other');
  t.throws(() => processFromContainer(container(), { args: ['true'], selinuxLabel: 'x' }),
    /selinux label is specified in config, but selinux is disabled or not supported/);
});

t.test('--cap adds to bounding, effective, permitted; ambient only with an inheritable set', async (t) => {
  let p = processFromContainer(container(), { args: ['true'], caps: ['CAP_SYS_ADMIN'] });
  t.same(p.capabilities, {
    bounding: ['CAP_KILL', 'CAP_SYS_ADMIN'], effective: ['CAP_KILL', 'CAP_SYS_ADMIN'], permitted: ['CAP_KILL', 'CAP_SYS_ADMIN'],
  });
  const base = container();
  base.capabilities!.inheritable = [];
  p = processFromContainer(base, { args: ['true'], caps: ['CAP_NET_RAW'] });
  t.same(p.capabilities!.ambient, ['CAP_NET_RAW']);
  const noCaps = container();
  delete noCaps.capabilities;
  p = processFromContainer(noCaps, { args: ['true'], caps: ['CAP_CHOWN'] });
  t.same(p.capabilities, { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] });
});

t.test('a process file inherits what runc inherits from the container', async (t) => {
  const p = processFromFile({ args: ['ls'], cwd: '/', env: ['X=1'] }, container());
  t.same(p.args, ['ls']);
  t.same(p.env, ['X=1'], 'env is the file\'s only');
  t.same(p.capabilities, container().capabilities);
  t.same(p.rlimits, container().rlimits);
  t.equal(p.apparmorProfile, 'prof');
  t.equal(p.noNewPrivileges, undefined, 'noNewPrivileges is the file\'s');
  t.equal(p.user, undefined);
  const own = processFromFile({ args: ['ls'], cwd: '/', capabilities: {}, rlimits: [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }] }, container());
  t.same(own.capabilities, {}, 'an empty capabilities object is the file\'s');
  t.same(own.rlimits, [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }]);
});

t.test('validation messages are runc\'s', async (t) => {
  t.throws(() => validateExecProcess(undefined), /process property must not be empty/);
  t.throws(() => validateExecProcess({ cwd: '', args: ['x'] }), /Cwd property must not be empty/);
  t.throws(() => validateExecProcess({ cwd: 'tmp', args: ['x'] }), /Cwd must be an absolute path/);
  t.throws(() => validateExecProcess({ cwd: '/', args: [] }), /args must not be empty/);
  t.throws(() => validateExecProcess({ cwd: '/' }), /args must not be empty/);
  t.doesNotThrow(() => validateExecProcess({ cwd: '/', args: ['x'], selinuxLabel: 'l' }, () => true));
  t.throws(() => processFromFile({ cwd: 'rel', args: ['x'] }, container()), /Cwd must be an absolute path/);
  t.throws(() => processFromContainer(undefined, { args: ['x'] }), /process property must not be empty/);
});

t.test('process file shapes', async (t) => {
  t.throws(() => checkProcessShape([]), /must be a JSON object/);
  t.throws(() => checkProcessShape({ args: 'ls', cwd: '/' }), /args must be an array of strings/);
  t.throws(() => checkProcessShape({ args: ['ls'], env: [1], cwd: '/' }), /env must be an array of strings/);
  t.throws(() => checkProcessShape({ args: ['ls'], cwd: 1 }), /cwd must be a string/);
  t.throws(() => checkProcessShape({ args: ['ls'], cwd: '/', user: { uid: -1 } }), /user.uid must be a uint32/);
  t.throws(() => checkProcessShape({ args: ['ls'], cwd: '/', capabilities: { bounding: 'x' } }), /capabilities.bounding/);
  t.same(checkProcessShape({ args: ['ls'], cwd: '/', env: null }), { args: ['ls'], cwd: '/' }, 'null is unset');

  const dir = mkdtempSync(join(tmpdir(), 'ocirt-exec-process-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ok.json'), JSON.stringify({ args: ['id'], cwd: '/', terminal: false }));
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  t.same(readProcessFile(join(dir, 'ok.json')), { args: ['id'], cwd: '/', terminal: false });
  t.throws(() => readProcessFile(join(dir, 'bad.json')), /parse process file .*bad\.json/);
  t.throws(() => readProcessFile(join(dir, 'missing.json')), /open .*missing\.json: ENOENT/);
});

t.test('--user and --additional-gids', async (t) => {
  t.same(parseUserFlag('1000'), { uid: 1000 });
  t.same(parseUserFlag('1000:100'), { uid: 1000, gid: 100 });
  t.same(parseUserFlag(''), {});
  t.throws(() => parseUserFlag('x'), { message: 'parsing x as int for uid failed: strconv.Atoi: parsing "x": invalid syntax' });
  t.throws(() => parseUserFlag('5:'), { message: 'parsing  as int for gid failed: strconv.Atoi: parsing "": invalid syntax' });
  t.throws(() => parseUserFlag(':5'), /for uid failed/);
  t.throws(() => parseUserFlag('-1'), /for uid failed/);
  // 4294967295 is (uid_t)-1, "unchanged" to setresuid: the process would stay root.
  for (const big of ['4294967295', '4294967296', '2147483648']) {
    t.throws(() => parseUserFlag(big), { message: `invalid --user uid ${big}: uids and gids must be in range 0-2147483647` });
  }
  t.throws(() => parseUserFlag('0:4294967295'), { message: 'invalid --user gid 4294967295: uids and gids must be in range 0-2147483647' });
  t.same(parseUserFlag('2147483647:2147483647'), { uid: 2147483647, gid: 2147483647 });
  t.throws(() => parseAdditionalGids(['4294967295']), { message: 'invalid --additional-gids 4294967295: uids and gids must be in range 0-2147483647' });
  t.same(parseAdditionalGids(['2147483647']), [2147483647]);
  t.throws(() => parseUserFlag('1:2:3'), /expected uid\[:gid\]/);
  t.same(parseAdditionalGids(['5', '7']), [5, 7]);
  t.throws(() => parseAdditionalGids(['-1']), { message: 'additional-gids must be a positive number -1' });
  t.throws(() => parseAdditionalGids(['x']), /invalid value "x" for flag -additional-gids/);
});
