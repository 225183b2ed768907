import t, { type Test } from 'tap';
import { closeSync } from 'node:fs';
import { socketpair } from '../ffi/libc.js';
import { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC } from '../ffi/constants.js';
import { RuntimeError, SyscallError } from './errors.js';
import {
  ChannelClosedError, InitChannel, ProtocolError, RuntimeChannel, checkExecInitConfig, checkInitConfig, fromWire,
  layoutInitFds, parseSlots, requireSlot, slotFd, toWire, type InitLogLevel,
} from './protocol.js';
import type { InitConfig } from './init/config.js';
import type { ExecInitConfig } from './init/exec-config.js';
import { planOf, processPlan } from '../test/fakes/plans.js';

/** Both ends of a channel over a real socketpair, closed when the test ends. */
function pair(t: Test): { runtime: RuntimeChannel; init: InitChannel; logs: [InitLogLevel, string][] } {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  t.teardown(() => {
    closeSync(a);
    closeSync(b);
  });
  const logs: [InitLogLevel, string][] = [];
  return {
    runtime: new RuntimeChannel(a, 'container init', { log: (level, msg) => logs.push([level, msg]) }),
    init: new InitChannel(b),
    logs,
  };
}

const config: InitConfig = {
  plan: planOf({ process: { cwd: '/', args: ['true'] } }), noPivot: false,
  noNewKeyring: false, preserveFds: 0, listenFds: 0, cgroupPaths: {}, debug: false,
};

const execConfig: ExecInitConfig = {
  id: 'c1', process: processPlan({ cwd: '/', args: ['true'] }), namespaces: ['ipc', 'mount'], preserveFds: 0,
  chownStdio: true, joinKeyring: true, debug: false,
};

t.test('messages cross whole in both directions', async (t) => {
  const { runtime, init } = pair(t);
  const big = 'x'.repeat(100_000);
  runtime.send({ type: 'config', config: { ...config, plan: { ...config.plan, id: big } } });
  runtime.send({ type: 'hooksDone' });
  t.same(init.receiveConfig(), { ...config, plan: { ...config.plan, id: big } });
  t.same(init.expect('hooksDone'), { type: 'hooksDone' });
  init.send({ type: 'booted' });
  init.send({ type: 'ready' });
  t.same(runtime.expect('booted'), { type: 'booted' });
  t.same(runtime.receive(), { type: 'ready' });
  runtime.send({ type: 'execConfig', config: execConfig });
  t.same(init.receiveExecConfig(), execConfig);
});

t.test('expect() names what came instead of what was expected', async (t) => {
  const { runtime, init } = pair(t);
  runtime.send({ type: 'hooksDone' });
  t.throws(() => init.receiveConfig(), new ProtocolError('runtime sent hooksDone where config was expected'));
  init.send({ type: 'hooks' });
  const err = t.throws(() => runtime.expect('booted'));
  t.equal((err as Error).message, 'container init sent hooks where booted was expected');
  t.type(err, ProtocolError);
  t.type(err, RuntimeError);
});

t.test("the runtime's expect() forwards log lines and re-raises errors", async (t) => {
  const { runtime, init, logs } = pair(t);
  init.log('warning', 'careful');
  init.send({ type: 'booted' });
  runtime.expect('booted');
  t.same(logs, [['warning', 'careful']]);
  init.send({ type: 'error', error: { message: 'boom' } });
  t.throws(() => runtime.expect('booted'), { message: 'unable to start container process: boom' });
});

t.test('end of file: undefined from receive, ChannelClosedError from expect', async (t) => {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  const runtime = new RuntimeChannel(a, 'exec init', { log: () => {} });
  const init = new InitChannel(b);
  init.send({ type: 'booted' });
  closeSync(b);
  t.same(runtime.receive(), { type: 'booted' });
  t.equal(runtime.receive(), undefined);
  const err = t.throws(() => runtime.expect('ready'));
  t.type(err, ChannelClosedError);
  t.equal((err as Error).message, 'exec init closed the channel where ready was expected');
  closeSync(a);
});

t.test('a peer that says nothing times out', async (t) => {
  const { runtime } = pair(t);
  t.throws(() => runtime.expect('booted', 50), { message: 'timed out after 0.05s waiting for booted from the container init' });
});

t.test('an init error keeps its type, errno, syscall, path and step across the channel', async (t) => {
  const { runtime, init } = pair(t);
  const step = init.stepLogger('init', false);
  let thrown: unknown;
  try {
    step('prepare rootfs', () => step('mount /proc', () => {
      throw new SyscallError('mount', 'proc on /proc', 1, 'EPERM');
    }));
  } catch (err) {
    thrown = err;
  }
  init.send({ type: 'error', error: toWire(thrown) });
  const err = t.throws(() => runtime.expect('ready')) as SyscallError & { step?: string };
  t.type(err, SyscallError);
  t.equal(err.message, 'unable to start container process: mount proc on /proc: EPERM (operation not permitted)');
  t.equal(err.errno, 1);
  t.equal(err.code, 'EPERM');
  t.equal(err.syscall, 'mount');
  t.equal(err.target, 'proc on /proc');
  t.equal(err.step, 'mount /proc', 'the innermost step');

  const plain = fromWire(toWire(new RuntimeError('exec: "x": executable file not found in $PATH')));
  t.type(plain, RuntimeError);
  t.notOk(plain instanceof SyscallError);
  t.equal(plain.message, 'unable to start container process: exec: "x": executable file not found in $PATH');
  t.equal(plain.step, undefined);
});

t.test('the debug step logger sends each step with its duration', async (t) => {
  const { runtime, init, logs } = pair(t);
  t.equal(init.stepLogger('exec init', true)('chroot', () => 7), 7);
  init.send({ type: 'ready' });
  runtime.expect('ready');
  t.same(logs, [['debug', 'exec init: chroot']]);
});

t.test('configs are checked field by field', async (t) => {
  t.same(checkInitConfig(config), config);
  t.throws(() => checkInitConfig(null), { message: 'config from the runtime: expected an object, got null' });
  t.throws(() => checkInitConfig({ ...config, preserveFds: '3' }), { message: 'config from the runtime: /preserveFds must be a number, got string' });
  t.throws(() => checkInitConfig({ ...config, plan: undefined }), { message: 'config from the runtime: /plan must be an object, got undefined' });
  t.throws(() => checkInitConfig({ ...config, plan: { ...config.plan, mounts: {} } }),
    { message: 'config from the runtime: /plan/mounts must be an array, got object' });
  t.throws(() => checkInitConfig({ ...config, plan: { ...config.plan, process: { ...config.plan.process, uid: '0' } } }),
    { message: 'config from the runtime: /plan/process/uid must be a number, got string' });
  t.throws(() => checkExecInitConfig({ ...execConfig, process: { ...execConfig.process, args: 'true' } }),
    { message: 'execConfig from the runtime: /process/args must be an array, got string' });
  t.same(checkExecInitConfig(execConfig), execConfig);
  t.throws(() => checkExecInitConfig({ ...execConfig, namespaces: ['ipc', 'net'] }),
    { message: 'execConfig from the runtime: /namespaces/1: unknown namespace type "net"' });
  t.throws(() => checkExecInitConfig({ ...execConfig, root: 5 }), { message: 'execConfig from the runtime: /root must be a string, got number' });
  t.same(checkExecInitConfig({ ...execConfig, root: '/proc/1/root' }), { ...execConfig, root: '/proc/1/root' });
});

t.test('layoutInitFds: stdio, preserved fds, then the named slots in order', async (t) => {
  const layout = layoutInitFds(['ignore', 'ignore', 'ignore'], 2, [
    ['sync', 40], ['fifo', 41], ['console', undefined], ['pidsJoin', 43], ['ns:mount', 44],
  ]);
  t.same(layout.stdio, ['ignore', 'ignore', 'ignore', 3, 4, 40, 41, 43, 44]);
  t.same([...layout.slots], [['sync', 5], ['fifo', 6], ['pidsJoin', 7], ['ns:mount', 8]]);
  t.equal(layout.arg, 'sync=5,fifo=6,pidsJoin=7,ns:mount=8');
  const argv = ['node', 'init', layout.arg];
  t.equal(slotFd('sync', argv), 5);
  t.equal(slotFd('ns:mount', argv), 8);
  t.equal(slotFd('console', argv), undefined);
  t.equal(requireSlot('fifo', argv), 6);
  t.throws(() => requireSlot('console', argv), { message: 'the runtime gave no fd for console' });
  t.throws(() => layoutInitFds([0, 1], 0, []), { message: "an init's stdio is 3 fds, not 2" });
  t.throws(() => layoutInitFds([0, 1, 2], 0, [['sync', 9], ['sync', 10]]), { message: 'fd slot sync given twice' });
  t.same([...parseSlots('')], []);
  t.throws(() => parseSlots('sync=1'), { message: 'bad fd slot "sync=1"' });
  t.throws(() => parseSlots('sync'), { message: 'bad fd slot "sync"' });
});
