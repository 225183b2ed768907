// The sample bundles in bundles/ (hello, sleeper, shell) run as documented under both runtimes.
// They use the shared rootfs through root.path "../rootfs" and are not modified here.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  REPO_ROOT,
  SUBJECT,
  create,
  runIn,
  setupSuite,
  type Bundle,
  type RuntimeName,
} from './helpers.js';
import type { Spec } from './base-config.js';
import { startConsoleReceiver } from './console-receiver.js';

setupSuite(t);

/** A sample bundle as a harness Bundle (read-only use: nothing writes its config). */
function sample(name: string): Bundle {
  const dir = path.join(REPO_ROOT, 'bundles', name);
  const configPath = path.join(dir, 'config.json');
  const spec = JSON.parse(fs.readFileSync(configPath, 'utf8')) as Spec;
  return {
    dir,
    rootfs: path.resolve(dir, spec.root!.path),
    configPath,
    spec,
    writeSpec: () => Promise.reject(new Error('sample bundles are read-only')),
    cleanup: () => Promise.resolve(),
  };
}

t.test('hello prints its greeting and exits 0', async (t) => {
  const out: Record<string, unknown> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const res = await runIn(runtime, sample('hello'));
    out[runtime] = { status: res.status, stdout: res.stdout };
  }
  t.same(out[SUBJECT], { status: 0, stdout: 'Hello from ocirt!\n' });
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});

t.test('sleeper runs until SIGTERM, which its trap turns into exit 0', async (t) => {
  const out: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const c = await create(runtime, sample('sleeper'));
    await c.start();
    const running = await c.state();
    const ps = await c.exec(['sh', '-c', 'ps -o comm | grep -c sleep']);
    await c.kill('TERM');
    const stopped = await c.waitStatus('stopped');
    const { stdout } = await c.output();
    await c.delete();
    out[runtime] = [`state: ${running?.status}`, `sleep processes: ${ps.stdout.trim()}`, `after TERM: ${stopped.status}`, stdout];
  }
  t.same(out[SUBJECT], ['state: running', 'sleep processes: 1', 'after TERM: stopped', 'sleeper: started\nsleeper: got TERM\n']);
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});

t.test('shell is an interactive sh on a terminal', async (t) => {
  const out: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const rx = await startConsoleReceiver();
    const c = await create(runtime, sample('shell'), { consoleSocket: rx.socketPath });
    await c.start();
    rx.write('echo "tty=$(tty) answer=$((6*7))"; exit\n');
    await rx.waitForOutput(/answer=42/);
    const stopped = await c.waitStatus('stopped');
    await c.delete();
    out[runtime] = [`after exit: ${stopped.status}`, /tty=\/dev\/pts\/0 answer=42/.test(rx.output()) ? 'ran on the pty' : rx.output()];
  }
  t.same(out[SUBJECT], ['after exit: stopped', 'ran on the pty']);
  t.same(out[SUBJECT], out[REFERENCE], 'ocirt matches runc');
});
