import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFlags, repeatedValues } from './exec.js';

t.test('repeatable flags: every occurrence, long and short form', async (t) => {
  // What yargs gives for `--env A=1 -e B=2 --env C=3`: all under the alias, the last under the name.
  t.same(repeatedValues({ _: [], env: ['C=3'], e: ['A=1', 'B=2', 'C=3'] }, 'env', 'e'), ['A=1', 'B=2', 'C=3']);
  t.same(repeatedValues({ _: [], env: ['A=1'], e: ['A=1'] }, 'env', 'e'), ['A=1']);
  t.same(repeatedValues({ _: [] }, 'env', 'e'), []);
  t.same(repeatedValues({ _: [], cap: 'CAP_KILL' }, 'cap', 'c'), ['CAP_KILL']);
});

t.test('flags to exec options', async (t) => {
  const o = await execFlags(['sh', '-c', 'id'], {
    _: [], e: ['A=1', 'B=2'], env: ['B=2'], tty: true, user: '1000:100', g: ['5'], c: ['CAP_KILL'], cwd: '/tmp',
    'no-new-privs': true, apparmor: 'p', 'process-label': 'l', detach: true, 'pid-file': 'rel.pid', 'preserve-fds': 2,
    'ignore-paused': true, 'console-socket': '/s',
  });
  t.same(o.args, ['sh', '-c', 'id']);
  t.same(o.env, ['A=1', 'B=2']);
  t.equal(o.tty, true);
  t.same(o.user, { uid: 1000, gid: 100 });
  t.same(o.additionalGids, [5]);
  t.same(o.caps, ['CAP_KILL']);
  t.equal(o.cwd, '/tmp');
  t.equal(o.noNewPrivileges, true);
  t.equal(o.apparmorProfile, 'p');
  t.equal(o.selinuxLabel, 'l');
  t.equal(o.detach, true);
  t.equal(o.pidFile, join(process.cwd(), 'rel.pid'), 'pid file made absolute');
  t.equal(o.preserveFds, 2);
  t.equal(o.ignorePaused, true);
  t.equal(o.consoleSocket, '/s');
  t.equal((await execFlags(['x'], { _: [] })).noNewPrivileges, undefined, 'no-new-privs only when given');
  await t.rejects(execFlags(['x'], { _: [], 'preserve-fds': -1 }), /invalid value for --preserve-fds/);
  await t.rejects(execFlags(['x'], { _: [], 'pidfd-socket': '/s' }), /--pidfd-socket is not supported/);
});

t.test('--process reads the file and ignores the overrides', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-exec-flags-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'p.json'), JSON.stringify({ args: ['ls'], cwd: '/', terminal: true }));
  const o = await execFlags([], { _: [], process: join(dir, 'p.json'), detach: true });
  t.same(o.process, { args: ['ls'], cwd: '/', terminal: true });
  t.equal(o.args, undefined);
  t.equal(o.detach, true);
});
