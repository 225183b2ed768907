// Terminal (config.md process.terminal and consoleSize, runtime-linux.md "/dev/console", the
// runc --console-socket contract): the runtime makes a pty, sends its master over the console
// socket with SCM_RIGHTS, and the container's stdio is the slave, also bind-mounted at /dev/console.
//
// Where runc may differ: the spec defines no console socket; the tests follow runc's contract
// (one fd in one SCM_RIGHTS message; the payload text is not checked). Refusing terminal without a
// console socket on create, and a console socket without terminal, is runc's behaviour.

import t from 'tap';
import {
  REFERENCE,
  SUBJECT,
  create,
  makeBundle,
  setupSuite,
  type Container,
  type RuntimeName,
  type SpecPatch,
} from './helpers.js';
import { startConsoleReceiver, type ConsoleReceiver } from './console-receiver.js';

setupSuite(t);

const terminal =
  (args: string[], extra?: SpecPatch): SpecPatch =>
  (s, ctx) => {
    s.process!.terminal = true;
    s.process!.args = args;
    return extra?.(s, ctx);
  };

/** create with a console socket and start; returns the receiver and the container. */
async function startWithConsole(runtime: RuntimeName, patch: SpecPatch): Promise<{ rx: ConsoleReceiver; c: Container }> {
  const rx = await startConsoleReceiver();
  const bundle = await makeBundle(patch, { rootfs: 'shared' });
  const c = await create(runtime, bundle, { consoleSocket: rx.socketPath });
  if (!c.created) throw new Error(`${runtime} create with a console socket failed: ${c.createResult.stderr}`);
  await rx.received;
  const started = await c.start();
  if (started.status !== 0) throw new Error(`${runtime} start failed: ${started.stderr}`);
  return { rx, c };
}

const PROBE = [
  'tty',
  'for fd in 0 1 2; do [ -t $fd ] && echo "fd$fd tty"; done',
  'stty size',
  'stat -c "%n %F %t" /dev/console',
  'echo "TERM=${TERM:-unset}"',
].join('; ');

t.test('the pty master arrives over the console socket and the process runs on the slave', async (t) => {
  const seen: Record<string, string> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const { rx, c } = await startWithConsole(
      runtime,
      terminal(['sh', '-c', PROBE], (s) => void (s.process!.consoleSize = { height: 30, width: 100 })),
    );
    const got = await rx.received;
    t.equal(got.fdCount, 1, `${runtime}: exactly one fd`);
    t.ok(got.isatty, `${runtime}: the fd is a terminal`);
    await c.waitStatus('stopped');
    await rx.closed;
    seen[runtime] = rx.output().replace(/\r\n/g, '\n');
    await c.delete();
  }
  t.equal(
    seen[SUBJECT],
    // pts major is 136 (0x88); /dev/console is the pty slave
    '/dev/pts/0\nfd0 tty\nfd1 tty\nfd2 tty\n30 100\n/dev/console character special file 88\nTERM=unset\n',
  );
  t.equal(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});

t.test('an interactive shell on the terminal', async (t) => {
  const seen: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const { rx, c } = await startWithConsole(runtime, terminal(['sh']));
    rx.write('echo typed-$((40+2))\n');
    await rx.waitForOutput(/typed-42\r?\n/);
    rx.write('exit 0\n');
    const stopped = await c.waitStatus('stopped');
    seen[runtime] = [`state: ${stopped.status}`, `echoed: ${/echo typed-\$\(\(40\+2\)\)/.test(rx.output())}`];
    await c.delete();
  }
  t.same(seen[SUBJECT], ['state: stopped', 'echoed: true'], 'the terminal echoes input and the shell runs it');
  t.same(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});

t.test('create refuses terminal without a console socket, and a console socket without terminal', async (t) => {
  const seen: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const noSocket = await create(runtime, await makeBundle(terminal(['true']), { rootfs: 'shared' }));
    const rx = await startConsoleReceiver();
    const noTerminal = await create(runtime, await makeBundle((s) => void (s.process!.args = ['true']), { rootfs: 'shared' }), {
      consoleSocket: rx.socketPath,
    });
    rx.close();
    seen[runtime] = [
      `terminal without socket: ${noSocket.created ? 'ok' : 'fails'}`,
      `socket without terminal: ${noTerminal.created ? 'ok' : 'fails'}`,
    ];
  }
  t.same(seen[SUBJECT], ['terminal without socket: fails', 'socket without terminal: fails']);
  t.same(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});
