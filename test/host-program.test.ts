// A container process must never reach the runtime's own program. The init and the
// exec init start inside the container's PID namespace with the host's root, mounts
// and privileges (src/runtime/launch/spawn-init.ts): as `bin/ocirt init` from the compiled
// binary, as Node processes from the library. Each test runs an attacker as the
// container's process and drives the runtime against it:
// - while the init starts, the attacker reads every /proc/PID/exe and cwd;
// - the container's program is `#!/proc/self/exe`, so the final execve runs the
//   runtime's own executable inside the container, and the attacker tries to reopen
//   it for writing once it stops (CVE-2019-5736);
// - the attacker sends SIGUSR1 (Node's "start the inspector"; Bun's default action
//   ends the process) to every process.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { OCIRT, REPO, ROOTFS, tempDir, requireRoot, ensureRootfs, withoutTap, type Result } from './helpers.js';
import { makeBundle } from './bundle.js';
import { ALL_CAPABILITIES } from '../src/linux/capabilities.js';
import type { Spec } from '../src/generated/config.js';

requireRoot();
ensureRootfs();

import { setTimeout as sleep } from 'node:timers/promises';
/** The CLI as the library runs on Node: its inits are Node processes. */
const CLI_ON_NODE = join(REPO, 'dist/src/cli/main.js');
const read = (dir: string, name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');

interface Runtime { R: (...a: string[]) => Result; root: string; argv: (...a: string[]) => [string, string[]] }

/** The runtime under test (the compiled binary unless `cmd` says otherwise), optionally run through `prefix` (setpriv). */
function runtime(t: Test, prefix: string[] = [], cmd: string[] = [OCIRT]): Runtime {
  const root = tempDir(t, 'ocirt-root-');
  const argv = (...a: string[]): [string, string[]] => {
    return withoutTap(prefix[0] ?? cmd[0]!, [...prefix.slice(1), ...(prefix.length ? cmd : cmd.slice(1)), '--root', root, ...a]);
  };
  const R = (...a: string[]): Result => {
    const r = spawnSync(...argv(...a), { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return { R, root, argv };
}

/** Runs `script` detached as the container's process, with `out` at /mnt; returns its id. */
function runAttacker(t: Test, rt: Runtime, out: string, script: string, patch: (s: Spec) => void = () => {}): string {
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', script];
    delete s.process!.capabilities!.ambient;
    s.mounts!.push({ destination: '/mnt', type: 'bind', source: out, options: ['rbind', 'rw'] });
    patch(s);
  });
  const id = `attacker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  t.teardown(() => { rt.R('delete', '--force', id); });
  const errFile = join(tempDir(t), 'run.err');
  const err = openSync(errFile, 'w');
  const r = spawnSync(...rt.argv('run', '--detach', '--bundle', bundle, id), { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
  closeSync(err);
  if (r.status !== 0) throw new Error(`run --detach failed: ${readFileSync(errFile, 'utf8')}`);
  return id;
}

async function waitFor(path: string, ms = 5000): Promise<boolean> {
  for (let waited = 0; !existsSync(path) && waited < ms; waited += 50) await sleep(50);
  return existsSync(path);
}

// Every exe or cwd it can read that is not busybox goes to /mnt/seen; /mnt/ok proves
// it reads those it may.
const SCANNER = `
while :; do
  for p in /proc/[0-9]*; do
    e=$(readlink $p/exe 2>/dev/null) || continue
    case "$e" in
      /bin/busybox) : > /mnt/ok ;;
      *) echo "$p exe $e" >> /mnt/seen ;;
    esac
    c=$(readlink $p/cwd 2>/dev/null) && [ "$e" != /bin/busybox ] && echo "$p cwd $c" >> /mnt/seen
  done
done`;

t.test('a starting init or exec init is not dumpable', async (t) => {
  // Capabilities alone already stop a container process whose set is smaller than the
  // runtime's; here the runtime runs without CAP_SYS_PTRACE and the container gets
  // every capability it has, so only dumpability stands between them.
  const rt = runtime(t, ['setpriv', '--bounding-set', '-sys_ptrace', '--']);
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
  const all = ALL_CAPABILITIES.filter((name, n) => name !== 'CAP_SYS_PTRACE' && (bounding >> BigInt(n)) & 1n);
  const out = tempDir(t, 'ocirt-scan-');
  // In a time namespace of its own: each exec init and each sibling's init that joins it
  // starts through setpriv and nsenter, whose execve alone would leave it dumpable.
  const id = runAttacker(t, rt, out, SCANNER, (s) => {
    s.process!.capabilities = { bounding: all, effective: all, permitted: all };
    s.linux!.namespaces!.push({ type: 'time' });
  });
  const initPid = (JSON.parse(rt.R('state', id).stdout) as { pid: number }).pid;
  t.ok(await waitFor(join(out, 'ok')), "the scanner reads /proc/PID/exe of the container's processes");

  for (let i = 0; i < 20; i++) {
    const r = rt.R('exec', id, 'true');
    t.equal(r.status, 0, `exec ${i}: ${r.stderr}`);
  }
  // A second container in the scanner's PID namespace: its init starts there too.
  const sibling = makeBundle(t, (s) => {
    s.process!.args = ['true'];
    delete s.process!.capabilities!.ambient;
    s.linux!.namespaces = s.linux!.namespaces!.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: `/proc/${initPid}/ns/pid` } : ns));
  });
  const siblingInTime = makeBundle(t, (s) => {
    s.process!.args = ['true'];
    delete s.process!.capabilities!.ambient;
    s.linux!.namespaces = s.linux!.namespaces!.map((ns) => (ns.type === 'pid' ? { type: 'pid', path: `/proc/${initPid}/ns/pid` } : ns));
    s.linux!.namespaces.push({ type: 'time', path: `/proc/${initPid}/ns/time` });
  });
  for (let i = 0; i < 8; i++) {
    const sid = `sibling-${process.pid}-${i}`;
    t.teardown(() => { rt.R('delete', '--force', sid); });
    const r = rt.R('run', '--bundle', i % 2 ? siblingInTime : sibling, sid);
    t.equal(r.status, 0, `sibling ${i}: ${r.stderr}`);
  }
  t.equal(rt.R('kill', id, 'KILL').status, 0);
  t.equal(read(out, 'seen'), '', 'nothing but busybox was readable');
});

// Holds an fd of the first non-busybox /proc/PID/exe it can open, then tries to
// reopen it for writing until that works or 3000 tries have failed.
const OVERWRITER = `
until [ -e /mnt/held ]; do
  for p in /proc/[0-9]*; do
    e=$(readlink $p/exe 2>/dev/null) || continue
    [ "$e" = /bin/busybox ] && continue
    command exec 3<$p/exe 2>/dev/null || continue
    echo "$p $e" > /mnt/held
    break
  done
done
i=0
while [ $i -lt 3000 ]; do
  i=$((i+1))
  if { echo pwned >/proc/self/fd/3; } 2>>/mnt/errors; then echo written > /mnt/result; break; fi
  usleep 1000
done
: > /mnt/finished
exec sleep 1000`;

/** The busybox rootfs plus the loader and libraries `binary` needs, so it can run in it. */
function rootfsThatRuns(t: Test, binary: string): string {
  const rootfs = join(tempDir(t, 'ocirt-rootfs-'), 'rootfs');
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' }).stdout;
  for (const lib of ldd.matchAll(/(\/\S+) \(0x/g)) {
    const dest = join(rootfs, lib[1]!);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(realpathSync(lib[1]!), dest);
  }
  return rootfs;
}

// The runtime runs from a copy of its executable, so a failure costs the copy only.
const ENGINES: { name: string; copy: string; argv: (copy: string) => string[] }[] = [
  { name: 'the compiled binary', copy: OCIRT, argv: (copy) => [copy] },
  { name: "the library's Node", copy: process.execPath, argv: (copy) => [copy, CLI_ON_NODE] },
];

for (const engine of ENGINES) {
  t.test(`a #!/proc/self/exe program cannot overwrite the runtime's executable: ${engine.name}`, async (t) => {
    const copy = join(tempDir(t, 'ocirt-exe-'), 'runtime');
    copyFileSync(engine.copy, copy);
    chmodSync(copy, 0o755);
    const digest = () => createHash('sha256').update(readFileSync(copy)).digest('hex');
    const before = digest();
    const rt = runtime(t, [], engine.argv(copy));
    const out = tempDir(t, 'ocirt-overwrite-');
    writeFileSync(join(out, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
    const rootfs = rootfsThatRuns(t, copy);
    const id = runAttacker(t, rt, out, OVERWRITER, (s) => { s.root = { path: rootfs, readonly: true }; });

    for (let i = 0; i < 20 && !existsSync(join(out, 'held')); i++) {
      const r = rt.R('exec', id, '/mnt/evil');
      t.not(r.status, null, 'exec returns');
    }
    t.ok(existsSync(join(out, 'held')), `the attacker held the exe of the runtime as it ran in the container: ${read(out, 'held')}`);
    t.ok(await waitFor(join(out, 'finished'), 30_000), 'the attacker gave up or succeeded');
    t.equal(read(out, 'result'), '', 'no write went through');
    t.match(read(out, 'errors'), /Read-only file system/, 'every write was refused as read-only');
    t.equal(digest(), before, "the runtime's executable is unchanged");
  });
}

// For each new process that is not busybox (the exec init: its exe cannot be read), a helper
// waits /mnt/delay microseconds, then sends SIGUSR1 every 10 ms until the process is busybox
// (the exec init exec'd the command) or gone.
const USR1_ATTACKER = `
: > /mnt/ok
seen=" "
while :; do
  for p in /proc/[0-9]*; do
    p=\${p#/proc/}
    case "$seen" in *" $p "*) continue ;; esac
    seen="$seen$p "
    [ "$(readlink /proc/$p/exe 2>/dev/null)" = /bin/busybox ] && continue
    d=$(cat /mnt/delay 2>/dev/null)
    ( usleep \${d:-0}
      while [ "$(readlink /proc/$p/exe 2>/dev/null)" != /bin/busybox ] && kill -USR1 $p 2>/dev/null; do usleep 10000; done ) &
  done
done`;

t.test('SIGUSR1 from the container never starts an inspector in the library\'s Node inits', async (t) => {
  const rt = runtime(t, [], [process.execPath, CLI_ON_NODE]);
  const out = tempDir(t, 'ocirt-usr1-');
  const id = runAttacker(t, rt, out, USR1_ATTACKER);
  t.ok(await waitFor(join(out, 'ok')));
  const listeners = () => [readFileSync('/proc/net/tcp', 'utf8'), readFileSync('/proc/net/tcp6', 'utf8')]
    .join('').split('\n').filter((l) => / 0A /.test(l) && /:240D /.test(l)); // LISTEN on port 9229
  const statuses = new Set<number | null>();
  let stderr = '';
  // The test means something only once a signal has landed in the window of Node's start-up where
  // Node would start its inspector (Node then reports that it could not). When that window comes
  // depends on the machine's load, so the attack's delay is searched for: a signal before Node
  // handles SIGUSR1 kills the exec init (too early: exec reports it and starts another, or exits
  // 255 after its last attempt); one after our listener is ignored
  // (exit 0, too late). The search goes on, within a bound, until the window was hit.
  const landed = () => /Starting inspector on 0\.0\.0\.1:9229 failed/.test(stderr);
  let early = 0; // µs
  let late: number | undefined;
  let delay = 0;
  const deadline = Date.now() + 300_000;
  let execs = 0;
  while (execs < 10 || (!landed() && execs < 300 && Date.now() < deadline)) {
    writeFileSync(join(out, 'delay'), String(Math.round(delay)));
    const before = stderr.length;
    const r = rt.R('exec', id, 'sleep', '0.2');
    statuses.add(r.status);
    stderr += r.stderr;
    t.same(listeners(), [], `exec ${execs} (signals from ${Math.round(delay / 1000)} ms): no inspector listens`);
    execs++;
    if (landed() && /Starting inspector/.test(stderr.slice(before))) continue; // in the window: stay there
    // Too early: the signal killed the exec init before Node handled it (exec then starts another).
    if (r.status === 255 || /exec init killed by SIGUSR1 while starting/.test(r.stderr)) early = delay;
    else late = delay;
    if (late !== undefined && late <= early) late = undefined; // the load changed: search upwards again
    delay = late === undefined ? Math.max(2 * delay, 5000) : (early + late) / 2;
  }
  t.ok(landed(), `signals did land during Node's start-up (within ${execs} execs)`);
  t.notMatch(stderr, /Debugger listening/, 'no inspector started');
  // The exec init dies if the signal lands before Node handles it, and `sleep` dies of it.
  for (const s of statuses) t.ok(s === 0 || s === 138 || s === 255, `exec status ${s}`);
});

t.test('SIGUSR1 from the container does nothing to the compiled inits but end a starting one', async (t) => {
  // Bun has no inspector to start on a signal; SIGUSR1's default action ends it until
  // the init's first statement shields it. Signals from the first moment on kill
  // exec inits that are starting (exec then freezes the container and starts
  // another); once shielded, the init ignores them.
  const rt = runtime(t);
  const out = tempDir(t, 'ocirt-usr1-');
  const id = runAttacker(t, rt, out, USR1_ATTACKER);
  t.ok(await waitFor(join(out, 'ok')));
  const listening = () => [readFileSync('/proc/net/tcp', 'utf8'), readFileSync('/proc/net/tcp6', 'utf8')]
    .join('').split('\n').filter((l) => / 0A /.test(l)).length;
  const before = listening();
  let retried = 0;
  let ran = 0;
  for (let i = 0; i < 30; i++) {
    writeFileSync(join(out, 'delay'), String(i % 2 ? 0 : 20_000 + 1000 * i));
    const r = rt.R('exec', id, 'sleep', '0.1');
    // 138: a signal sent just before the exec init exec'd landed in `sleep`.
    t.ok(r.status === 0 || r.status === 138, `exec ${i} runs its process (status ${r.status}): ${r.stderr}`);
    if (r.status === 0) ran++;
    if (/exec init killed by SIGUSR1 while starting/.test(r.stderr)) retried++;
    t.notMatch(r.stderr, /inspect|debugger/i, `exec ${i}: nothing about an inspector`);
  }
  t.equal(listening(), before, 'no new socket listens');
  t.ok(retried > 0, `signals landed while an exec init started (${retried} of 30 execs started another)`);
  t.ok(ran > 0, `${ran} of 30 execs ran to the end under the signals`);
});

t.test('an init started without a sync socket says so in one line and exits 1', async (t) => {
  for (const [mode, who] of [['init', 'init'], ['exec-init', 'exec-init']] as const) {
    for (const arg of [[], ['3'], ['sync=x']]) {
      const r = spawnSync(OCIRT, [mode, ...arg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
      t.equal(r.status, 1, `${mode} ${arg.join(' ')}: exit status`);
      t.match(r.stderr, new RegExp(`^ocirt ${who}: (the runtime gave no fd for sync|bad fd slot .*)\\n$`), `${mode} ${arg.join(' ')}: one line`);
    }
  }
});
