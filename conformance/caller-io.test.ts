// What the runtime's caller holds and what the container gets of it (runc CLI contract;
// the spec leaves it to the runtime): an fd the caller leaked without close-on-exec is
// not the container's, and a foreground `run` without a terminal gives the process
// pipes, not the caller's own files.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  RUNTIMES,
  assertSameAsReference,
  makeBundle,
  runtimeRoot,
  setupSuite,
  spawnCollect,
  tempDir,
  trackContainer,
  uniqueId,
  type BothObservations,
  type Observation,
  type RuntimeName,
} from './helpers.js';

setupSuite(t);

/** `<runtime> run` of `sh -c script`, started as a shell started it after `exec 200<hostDir`. */
async function runWithLeakedFd(runtime: RuntimeName, script: string, hostDir: string): Promise<Observation> {
  const bundle = await makeBundle((s) => void (s.process!.args = ['sh', '-c', script]), { rootfs: 'shared' });
  const id = uniqueId('leak');
  trackContainer(runtime, id);
  const root = await runtimeRoot(runtime);
  const res = await spawnCollect('/bin/bash', ['-c', 'exec 200<"$0"; exec "$@"', hostDir, RUNTIMES[runtime], '--root', root, 'run', '--bundle', bundle.dir, id]);
  return { runtime, id, status: res.status, stdout: res.stdout, stderr: res.stderr, bundle };
}

t.test('an fd the caller leaked (not close-on-exec) is not open in the process', async (t) => {
  const hostDir = await tempDir('hostdir');
  const script = 'if [ -e /proc/self/fd/200 ]; then echo "fd200 LEAKED"; else echo "fd200 absent"; fi';
  const both: BothObservations = {
    ocirt: await runWithLeakedFd('ocirt', script, hostDir),
    runc: await runWithLeakedFd('runc', script, hostDir),
  };
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(both.ocirt.stdout, 'fd200 absent\n');
  assertSameAsReference(t, both);
});

/** `<runtime> run` of `sh -c script` with stdout and stderr appended to a caller's log file; returns the log. */
async function runLogging(runtime: RuntimeName, script: string): Promise<Observation> {
  const bundle = await makeBundle((s) => void (s.process!.args = ['sh', '-c', script]), { rootfs: 'shared' });
  const id = uniqueId('log');
  trackContainer(runtime, id);
  const log = path.join(await tempDir('log'), 'caller.log');
  fs.writeFileSync(log, 'caller line\n');
  const fd = fs.openSync(log, 'a');
  let res;
  try {
    res = await spawnCollect(RUNTIMES[runtime], ['--root', await runtimeRoot(runtime), 'run', '--bundle', bundle.dir, id], { stdoutFd: fd, stderrFd: fd });
  } finally {
    fs.closeSync(fd);
  }
  return { runtime, id, status: res.status, stdout: fs.readFileSync(log, 'utf8'), stderr: '', bundle };
}

t.test('foreground run without a terminal: stdio are pipes, the caller\'s log cannot be truncated', async (t) => {
  const script = 'for i in 0 1 2; do echo "fd$i $(readlink /proc/self/fd/$i | cut -d: -f1)"; done; : > /proc/self/fd/1; : > /proc/self/fd/2; echo after';
  const both: BothObservations = { ocirt: await runLogging('ocirt', script), runc: await runLogging('runc', script) };
  t.equal(both.ocirt.status, 0);
  t.equal(both.ocirt.stdout, 'caller line\nfd0 pipe\nfd1 pipe\nfd2 pipe\nafter\n', 'the log keeps its line and gets the output');
  assertSameAsReference(t, both);
});
