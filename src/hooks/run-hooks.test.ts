import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_FAILURE_IS_FATAL, HookError, runHooks } from './run-hooks.js';

const dir = mkdtempSync(join(tmpdir(), 'ocirt-hooks-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const state = { ociVersion: '1.3.0', id: 'c1', status: 'creating', pid: 42, bundle: '/b', annotations: { 'a<b': 'c&d' } };

/** A hook that runs a shell snippet (argv0 "sh"). */
const sh = (script: string, extra: { env?: string[]; timeout?: number } = {}) => ({ path: '/bin/sh', args: ['sh', '-c', script], ...extra });

t.test('the hook gets the state on stdin, its argv0, and only its env', async (t) => {
  const out = join(dir, 'basic');
  process.env.OCIRT_LEAK_CHECK = 'leaked';
  t.teardown(() => { delete process.env.OCIRT_LEAK_CHECK; });
  runHooks('createRuntime', [{
    path: '/bin/sh',
    args: ['my-hook-name', '-c', `cat > ${out}.state; echo "$0" > ${out}.argv0; echo "$FOO \${OCIRT_LEAK_CHECK-unset} \${HOME-unset} $PATH" > ${out}.env`],
    env: ['FOO=bar', 'PATH=/usr/bin:/bin', 'FOO=baz'],
  }], state);
  t.same(JSON.parse(readFileSync(`${out}.state`, 'utf8')), state);
  t.equal(readFileSync(`${out}.argv0`, 'utf8'), 'my-hook-name\n');
  // (tap itself injects NODE_OPTIONS and _TAPJS_* into every child it sees spawned, so
  // the check names variables instead of listing the whole environment.)
  t.equal(readFileSync(`${out}.env`, 'utf8'), 'baz unset unset /usr/bin:/bin\n', 'the later FOO wins, nothing of ours leaks');
});

t.test('a hook without env inherits the runtime environment, as in runc', async (t) => {
  const out = join(dir, 'inherit');
  runHooks('poststart', [sh(`echo "$OCIRT_HOOK_MARK" > ${out}`)], state, { inheritedEnv: { OCIRT_HOOK_MARK: 'inherited', PATH: '/bin' } });
  t.equal(readFileSync(out, 'utf8'), 'inherited\n');
});

t.test('a hook without args gets its path as argv0', async (t) => {
  const script = join(dir, 'noargs.sh');
  writeFileSync(script, `#!/bin/sh\necho "$0" > ${script}.out\n`, { mode: 0o755 });
  runHooks('prestart', [{ path: script }], state);
  t.equal(readFileSync(`${script}.out`, 'utf8'), `${script}\n`);
});

t.test('failure messages read like runc', async (t) => {
  const ok = sh('exit 0');
  t.throws(() => runHooks('createRuntime', [ok, sh('echo out; echo err >&2; exit 3')], state), {
    message: 'error running createRuntime hook #1: exit status 3, stdout: out\n, stderr: err\n',
  });
  t.throws(() => runHooks('prestart', [sh('kill -TERM $$')], state), {
    message: 'error running prestart hook #0: signal: terminated, stdout: , stderr: ',
  });
  t.throws(() => runHooks('createContainer', [{ path: join(dir, 'does-not-exist') }], state), {
    message: `error running createContainer hook #0: fork/exec ${join(dir, 'does-not-exist')}: no such file or directory`,
  });
  const notExec = join(dir, 'not-exec');
  writeFileSync(notExec, '#!/bin/sh\n', { mode: 0o644 });
  t.throws(() => runHooks('startContainer', [{ path: notExec }], state), {
    message: `error running startContainer hook #0: fork/exec ${notExec}: permission denied`,
  });
  const err = (() => { try { runHooks('prestart', [sh('exit 1')], state); } catch (e) { return e; } })() as HookError;
  t.ok(err instanceof HookError);
  t.same([err.kind, err.index], ['prestart', 0]);
});

t.test('a fatal failure stops the remaining hooks', async (t) => {
  const marker = join(dir, 'after-fatal');
  t.throws(() => runHooks('createContainer', [sh('exit 1'), sh(`touch ${marker}`)], state));
  t.throws(() => readFileSync(marker), { code: 'ENOENT' }, 'second hook never ran');
});

t.test('timeout kills the hook with SIGKILL and names the limit', async (t) => {
  const start = Date.now();
  t.throws(() => runHooks('prestart', [sh('trap "" TERM; sleep 20', { timeout: 1 })], state), {
    message: 'error running prestart hook #0: hook ran past specified timeout of 1.0s',
  });
  t.ok(Date.now() - start < 10000, 'did not wait for the hook');
});

t.test('a hook that ignores its stdin still succeeds', async (t) => {
  const big = { ...state, annotations: { x: 'y'.repeat(4 << 20) } };
  runHooks('prestart', [sh('exit 0')], big);
  t.pass('no EPIPE error');
});

t.test('poststart/poststop: every hook runs, failures are warnings', async (t) => {
  t.same(HOOK_FAILURE_IS_FATAL, {
    prestart: true, createRuntime: true, createContainer: true, startContainer: true, poststart: false, poststop: false,
  });
  const marker = join(dir, 'after-warn');
  const warnings: string[] = [];
  runHooks('poststop', [sh('exit 2'), sh(`touch ${marker}`), sh('exit 4')], state, { warn: (m) => warnings.push(m) });
  t.same(warnings, [
    'error running poststop hook #0: exit status 2, stdout: , stderr: ',
    'error running poststop hook #2: exit status 4, stdout: , stderr: ',
  ]);
  t.ok(readFileSync(marker), 'the hook after the failure ran');

  // Without a warn callback, one error is thrown after all ran.
  const marker2 = join(dir, 'after-warn-2');
  const err = (() => {
    try { runHooks('poststart', [sh('exit 2'), sh(`touch ${marker2}`)], state); } catch (e) { return e; }
  })() as HookError;
  t.ok(err instanceof HookError);
  t.equal(err.message, 'error running poststart hook #0: exit status 2, stdout: , stderr: ');
  t.equal(err.failures.length, 1);
  t.ok(readFileSync(marker2), 'ran before the error was thrown');
});

t.test('no hooks is a no-op', async (t) => {
  runHooks('prestart', undefined, state);
  runHooks('poststop', [], state);
  t.pass();
});
