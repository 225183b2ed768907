/**
 * Integration test on this machine's real /sys/fs/cgroup (needs root; fails without it, never skips).
 * A `sleep` is placed into a fresh cgroup in every hierarchy, found, frozen, killed, and the cgroups removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import t, { type Test } from 'tap';

import { detectCgroupLayout, parseProcCgroup } from './layout.js';
import { type CgroupManager, createCgroupManager, loadCgroupManager } from './manager.js';

const layout = detectCgroupLayout();

function startSleep(t: Test): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return { child, exited };
}

/** Remove whatever a failed run left behind (children first), so the host stays clean either way. */
function cleanUp(manager: CgroupManager): void {
  for (const dir of new Set(Object.values(manager.paths))) {
    if (!fs.existsSync(dir)) continue;
    try {
      manager.destroy();
    } catch {
      // Reported by the test itself.
    }
  }
}

/** The cgroup path /proc/<pid>/cgroup shows for a directory of a hierarchy. */
function expectedCgroup(dir: string): string {
  const h = layout.hierarchies.find((x) => dir.startsWith(`${x.mountPoint}/`))!;
  return path.join(h.mountRoot, path.relative(h.mountPoint, dir));
}

async function placeKillDestroy(t: Test, cgroupsPath: string | undefined, id: string): Promise<void> {
  const manager = createCgroupManager({ id, cgroupsPath });
  t.teardown(() => cleanUp(manager));
  t.equal(manager.mode, layout.mode);
  for (const dir of new Set(Object.values(manager.paths))) t.notOk(fs.existsSync(dir), `${dir} does not exist yet`);

  const { child, exited } = startSleep(t);
  const pid = child.pid!;
  manager.create();
  manager.addProcess(pid);

  // Every hierarchy we resolved shows the process in the new cgroup.
  const procCgroup = parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  for (const [key, dir] of Object.entries(manager.paths)) {
    const line =
      key === '' ? procCgroup.find((e) => e.hierarchyId === 0) : procCgroup.find((e) => e.controllers.includes(key));
    t.equal(line?.path, expectedCgroup(dir), `/proc/${pid}/cgroup for ${key === '' ? 'cgroup2' : key}`);
  }
  t.equal(layout.hierarchies.length, new Set(Object.values(manager.paths)).size, 'one directory per mounted hierarchy');

  t.same(manager.pids(), [pid]);
  t.equal(manager.exists(), true);

  // A state file round trip: a later command works from the saved paths alone.
  const loaded = loadCgroupManager(JSON.parse(JSON.stringify(manager)));
  t.equal(loaded.isFrozen(), false);
  loaded.freeze();
  t.equal(loaded.isFrozen(), true);
  loaded.thaw();
  t.equal(loaded.isFrozen(), false);

  t.same(loaded.signalAll('SIGKILL'), [pid]);
  t.equal(await exited, 'SIGKILL');
  loaded.destroy();
  for (const dir of new Set(Object.values(manager.paths))) t.notOk(fs.existsSync(dir), `${dir} removed`);
  t.same(loaded.pids(), []);
}

t.test('runs as root', async (t) => {
  t.equal(process.getuid?.(), 0, 'the real cgroup test needs root');
});

t.test('absolute cgroupsPath: placed, listed, frozen, killed and removed', async (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root');
  await placeKillDestroy(t, `/ocirt-cgtest-${process.pid}`, `abs-${process.pid}`);
});

t.test('default cgroupsPath: <id> below our own cgroup in each hierarchy', async (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root');
  const id = `ocirt-cgtest-default-${process.pid}`;
  const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  const manager = createCgroupManager({ id });
  for (const h of layout.hierarchies) {
    const key = h.version === 2 ? '' : h.controllers[0]!;
    const base =
      layout.mode === 'unified'
        ? path.dirname(h.ownCgroup)
        : own.find((e) => (key === '' ? e.hierarchyId === 0 : e.controllers.includes(key)))!.path;
    t.equal(manager.path(key), path.join(h.mountPoint, path.relative(h.mountRoot, base), id));
  }
  await placeKillDestroy(t, undefined, id);
});

t.test('destroy refuses a cgroup that still has a live process and names it', async (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root');
  const manager = createCgroupManager({ id: 'busy', cgroupsPath: `/ocirt-cgtest-busy-${process.pid}` });
  t.teardown(() => cleanUp(manager));
  const { child, exited } = startSleep(t);
  manager.create();
  manager.addProcess(child.pid!);
  t.throws(() => manager.destroy(), { code: 'EBUSY', message: new RegExp(`still has processes: ${child.pid}`) });
  t.equal(manager.exists(), true);
  manager.signalAll('SIGKILL');
  await exited;
  manager.destroy();
  t.equal(manager.exists(), false);
});
