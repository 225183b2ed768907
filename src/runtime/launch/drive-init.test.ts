import t from 'tap';
import { RuntimeError, SyscallError } from '../../errors.js';
import { ProtocolError, type InitMessage, type InitLogLevel, type RuntimeMessage } from '../../protocol.js';
import { joinCgroupAroundBoot, sendWhileBooting, serveInit, type InitPeer } from './drive-init.js';
import { unixSocketPair } from './socketpair.js';
import { closeSync, readSync } from 'node:fs';
import type { CgroupManager } from '../../cgroups/index.js';
import { RuntimeChannel } from '../../protocol.js';
import { Logger } from '../../log.js';

/** An init that says `script` in order, then closes its end; records what it is sent. */
class FakeInit implements InitPeer {
  readonly sent: RuntimeMessage[] = [];
  readonly events: string[] = [];
  constructor(private readonly script: InitMessage[]) {}
  receive(): InitMessage | undefined {
    const msg = this.script.shift();
    this.events.push(msg ? `recv ${msg.type}` : 'recv EOF');
    return msg;
  }
  send(message: RuntimeMessage): void {
    this.sent.push(message);
    this.events.push(`send ${message.type}`);
  }
  get left(): number {
    return this.script.length;
  }
}

function sink(): { logs: [InitLogLevel, string][]; log: (level: InitLogLevel, msg: string) => void } {
  const logs: [InitLogLevel, string][] = [];
  return { logs, log: (level, msg) => logs.push([level, msg]) };
}

const exited = Promise.resolve();

t.test('create: log lines forwarded, hooks run then answered, ready returns', async (t) => {
  const init = new FakeInit([
    { type: 'log', level: 'debug', msg: 'init: prepare rootfs' }, { type: 'hooks' }, { type: 'ready' }, { type: 'log', level: 'info', msg: 'after' },
  ]);
  const log = sink();
  await serveInit(init, log, {
    what: 'container init', exited, hooks: () => init.events.push('hooks ran'),
  });
  t.same(init.events, ['recv log', 'recv hooks', 'hooks ran', 'send hooksDone', 'recv ready']);
  t.same(log.logs, [['debug', 'init: prepare rootfs']]);
  t.equal(init.left, 1, 'nothing read after ready');
});

t.test('exec: after ready, waits for the end of file of the execve', async (t) => {
  const init = new FakeInit([{ type: 'ready' }, { type: 'log', level: 'warning', msg: 'late' }]);
  const log = sink();
  await serveInit(init, log, { what: 'exec init', exited, untilExec: true });
  t.same(init.events, ['recv ready', 'recv log', 'recv EOF']);
  t.same(log.logs, [['warning', 'late']]);
});

t.test("an init's error is re-raised with its type, fields and step", async (t) => {
  const init = new FakeInit([{
    type: 'error',
    error: { message: 'mount proc on /proc: EPERM (operation not permitted)', errno: 1, code: 'EPERM', syscall: 'mount', path: 'proc on /proc', step: 'mount /proc' },
  }]);
  const log = sink();
  const err = await serveInit(init, log, { what: 'container init', exited }).then(() => undefined, (e: unknown) => e) as SyscallError & { step?: string };
  t.same(log.logs, [['debug', 'container init failed in step: mount /proc']]);
  t.type(err, SyscallError);
  t.equal(err.message, 'unable to start container process: mount proc on /proc: EPERM (operation not permitted)');
  t.equal(err.code, 'EPERM');
  t.equal(err.errno, 1);
  t.equal(err.syscall, 'mount');
  t.equal(err.target, 'proc on /proc');
  t.equal(err.step, 'mount /proc');
});

t.test('unexpected messages fail with what was expected', async (t) => {
  await t.rejects(serveInit(new FakeInit([{ type: 'booted' }]), sink(), { what: 'container init', exited, hooks: () => {} }),
    new ProtocolError('container init sent booted where hooks or ready was expected'));
  await t.rejects(serveInit(new FakeInit([{ type: 'hooks' }]), sink(), { what: 'exec init', exited, untilExec: true }),
    new ProtocolError('exec init sent hooks where ready was expected'));
  await t.rejects(serveInit(new FakeInit([{ type: 'ready' }, { type: 'ready' }]), sink(), { what: 'exec init', exited, untilExec: true }),
    new ProtocolError('exec init sent ready where end of file was expected'));
  await t.rejects(serveInit(new FakeInit([{ type: 'nonsense' } as unknown as InitMessage]), sink(), { what: 'exec init', exited }),
    new ProtocolError('exec init sent nonsense where ready was expected'));
});

t.test('an init that vanishes before ready fails the command', async (t) => {
  const err = await serveInit(new FakeInit([{ type: 'hooks' }]), sink(), { what: 'container init', exited, hooks: () => {} })
    .then(() => undefined, (e: unknown) => e);
  t.type(err, RuntimeError);
  t.equal((err as Error).message, 'container init exited unexpectedly');
});

t.test('joinCgroupAroundBoot: a pid known only once booted joins every directory then, never before', async (t) => {
  const calls: string[] = [];
  const cg = { mode: 'hybrid', addProcess: (pid: number, which: string) => { calls.push(`add ${pid} ${which}`); } } as unknown as CgroupManager;
  const channel = { expect: (type: string) => { calls.push(`expect ${type}`); } } as unknown as RuntimeChannel;
  const log = new Logger();
  const container = { resources: undefined, frozen: false };
  t.equal(await joinCgroupAroundBoot(log, cg, 41, channel, container, 'exec init', exited), 41);
  t.same(calls.splice(0), ['add 41 all', 'expect booted'], 'a pid known at once joins before it boots');
  t.equal(await joinCgroupAroundBoot(log, cg, () => { calls.push('resolve'); return 42; }, channel, container, 'exec init', exited), 42);
  t.same(calls, ['expect booted', 'resolve', 'add 42 all'], 'resolved and joined once booted');
});

t.test('joinCgroupAroundBoot: the config is told early only when nothing is left to join after the boot', async (t) => {
  const calls: string[] = [];
  const cg = { mode: 'unified', addProcess: (pid: number, which: string) => { calls.push(`add ${pid} ${which}`); } } as unknown as CgroupManager;
  const channel = { expect: (type: string) => { calls.push(`expect ${type}`); } } as unknown as RuntimeChannel;
  const log = new Logger();
  const duringBoot = () => { calls.push('compile'); };
  const tell = () => { calls.push('tell'); };
  await joinCgroupAroundBoot(log, cg, 41, channel, { resources: undefined, frozen: false }, 'exec init', exited, duringBoot, tell);
  t.same(calls.splice(0), ['add 41 all', 'compile', 'tell', 'expect booted'], 'joined, its filter compiled, then told, before it boots');
  await joinCgroupAroundBoot(log, cg, 41, channel, { resources: { memory: { limit: 8 << 20 } }, frozen: false }, 'exec init', exited, duringBoot, tell);
  t.same(calls.splice(0), ['add 41 all but memory', 'compile', 'expect booted', 'add 41 memory'], 'under a memory limit: not told before its memory join');
  await joinCgroupAroundBoot(log, cg, 41, channel, { resources: undefined, frozen: true }, 'exec init', exited, duringBoot, tell);
  t.same(calls.splice(0), ['compile', 'expect booted', 'add 41 all'], 'into a frozen cgroup: not told');
  await joinCgroupAroundBoot(log, cg, () => 42, channel, { resources: undefined, frozen: false }, 'exec init', exited, duringBoot, tell);
  t.same(calls.splice(0), ['compile', 'expect booted', 'add 42 all'], 'a pid known only once booted: not told');
});

t.test('sendWhileBooting: sends what fits in the socket, nothing that might block, nothing to a closed peer', async (t) => {
  const log = sink();
  const pair = () => {
    const [ours, theirs] = unixSocketPair();
    t.teardown(() => { for (const fd of [ours, theirs]) try { closeSync(fd); } catch { /* closed */ } });
    return { channel: new RuntimeChannel(ours, 'exec init', log), theirs };
  };
  const small = pair();
  t.ok(sendWhileBooting(small.channel, { type: 'hooksDone' }));
  const frame = Buffer.alloc(64);
  const n = readSync(small.theirs, frame);
  t.same(JSON.parse(frame.subarray(4, n).toString()), { type: 'hooksDone' }, 'the init finds it');

  const big = pair();
  const huge = { type: 'config', config: { plan: { annotations: { big: 'x'.repeat(100_000) } } } } as unknown as RuntimeMessage;
  t.notOk(sendWhileBooting(big.channel, huge), 'a config that could fill the buffer waits for the boot');
  big.channel.send({ type: 'hooksDone' });
  const next = Buffer.alloc(64);
  const m = readSync(big.theirs, next);
  t.same(JSON.parse(next.subarray(4, m).toString()), { type: 'hooksDone' }, 'nothing was written before');

  const gone = pair();
  closeSync(gone.theirs);
  t.notOk(sendWhileBooting(gone.channel, { type: 'hooksDone' }), 'an init gone already: the wait for booted says so');
});
