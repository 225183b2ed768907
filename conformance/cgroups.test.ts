// Control groups (config-linux.md "Control groups", "cgroupsPath", resources): the container runs in
// the cgroup named by linux.cgroupsPath on every hierarchy of this machine's hybrid layout (v1
// controllers plus the cgroup2 "unified" mount), a cgroup
// namespace hides the path, and delete removes the cgroups. (Resource limits have their own tests
// with the resources work.)
//
// Where runc may differ: the spec leaves a relative or absent cgroupsPath to the runtime. runc
// (cgroupfs driver) puts a relative path under the runtime's own cgroup of each hierarchy and uses
// the container id when cgroupsPath is absent; the tests pin that.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  SUBJECT,
  assertSameAsReference,
  create,
  makeBundle,
  observeBoth,
  parseMountinfo,
  setupSuite,
  uniqueId,
  type Observation,
  type RuntimeName,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

// The runtimes remove a container's own cgroup on delete, not the parents these tests name.
t.teardown(() => {
  const own = ownCgroups();
  for (const [name, mp] of hostHierarchies()) {
    for (const parent of ['/ocirt-conf', '/ocirt-conf-rel', path.join(own.get(name) ?? '/', 'ocirt-conf-rel')]) {
      try {
        fs.rmdirSync(path.join(mp, parent));
      } catch {
        // absent, or still in use by a parallel run
      }
    }
  }
});

const SHARED = { rootfs: 'shared' as const };

/** Host cgroup mounts: hierarchy name ("memory", "name=systemd", "" for cgroup2) -> mount point. */
function hostHierarchies(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) {
    if (m.fsType === 'cgroup2') out.set('', m.mountPoint);
    if (m.fsType === 'cgroup') {
      const names = m.superOptions.filter((o) => !['rw', 'ro'].includes(o) && !o.includes('=') || o.startsWith('name='));
      out.set(names.join(','), m.mountPoint);
    }
  }
  return out;
}

/** This process's cgroup per hierarchy, keyed like hostHierarchies(). */
function ownCgroups(pid: number | 'self' = 'self'): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean)) {
    const [, controllers, p] = line.split(/:(.*?):/);
    out.set(controllers, p);
  }
  return out;
}

/** "/proc/self/cgroup" lines as "controllers path", sorted; `cg` (the configured path) becomes <cg>. */
function cgroupLines(text: string, cg?: string): string {
  return (
    text
      .split('\n')
      .filter((l) => /^\d+:/.test(l))
      .map((l) => {
        const [, controllers, p] = l.split(/:(.*?):/);
        return `${controllers || '(unified)'} ${cg ? p.split(cg).join('<cg>') : p}`;
      })
      .sort()
      .join('\n') + '\n'
  );
}

const cgPathOf = (obs: Observation) => obs.bundle.spec.linux!.cgroupsPath!;

t.test('an absolute cgroupsPath is the container\'s cgroup on every hierarchy', async (t) => {
  const patch: SpecPatch = (s) => void (s.linux!.cgroupsPath = `/ocirt-conf/${uniqueId('abs')}`);
  const both = await observeBoth(patch, 'cat /proc/self/cgroup', {
    ...SHARED,
    normalize: (text, obs) => cgroupLines(text, cgPathOf(obs)),
  });
  const expected = [...ownCgroups().keys()].map((c) => `${c || '(unified)'} <cg>`).sort().join('\n') + '\n';
  t.equal(both.ocirt.stdout, expected);
  assertSameAsReference(t, both);
});

t.test('a relative cgroupsPath is placed under the runtime\'s own cgroups (runc behaviour)', async (t) => {
  const patch: SpecPatch = (s) => void (s.linux!.cgroupsPath = `ocirt-conf-rel/${uniqueId('rel')}`);
  const both = await observeBoth(patch, 'cat /proc/self/cgroup', {
    ...SHARED,
    normalize: (text, obs) => cgroupLines(text, cgPathOf(obs)),
  });
  const own = ownCgroups();
  const expected =
    [...own.entries()].map(([c, p]) => `${c || '(unified)'} ${p === '/' ? '' : p}/<cg>`).sort().join('\n') + '\n';
  t.equal(both.ocirt.stdout, expected);
  assertSameAsReference(t, both);
});

t.test('without cgroupsPath the container id names the cgroup (runc behaviour)', async (t) => {
  const both = await observeBoth((s) => void delete s.linux!.cgroupsPath, 'cat /proc/self/cgroup', {
    ...SHARED,
    normalize: (text) => cgroupLines(text),
  });
  const own = ownCgroups();
  const expected = [...own.entries()].map(([c, p]) => `${c || '(unified)'} ${p === '/' ? '' : p}/<id>`).sort().join('\n') + '\n';
  t.equal(both.ocirt.stdout, expected);
  assertSameAsReference(t, both);
});

t.test('a cgroup namespace makes the container\'s cgroup its root', async (t) => {
  const patch: SpecPatch = (s) => {
    s.linux!.cgroupsPath = `/ocirt-conf/${uniqueId('ns')}`;
    s.linux!.namespaces!.push({ type: 'cgroup' });
  };
  const both = await observeBoth(patch, 'cat /proc/self/cgroup', { ...SHARED, normalize: (text) => cgroupLines(text) });
  const expected = [...ownCgroups().keys()].map((c) => `${c || '(unified)'} /`).sort().join('\n') + '\n';
  t.equal(both.ocirt.stdout, expected);
  assertSameAsReference(t, both);
});

t.test('the cgroup holds the container process while it runs and is gone after delete', async (t) => {
  const hierarchies = hostHierarchies();
  const seen: Record<string, string[]> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const cg = `/ocirt-conf/${uniqueId('life')}`;
    const bundle = await makeBundle((s) => {
      s.linux!.cgroupsPath = cg;
      s.process!.args = ['sleep', '3600'];
    }, SHARED);
    const c = await create(runtime, bundle);
    // Running: under a small pids limit a created ocirt init joins the pids hierarchy only at its execve.
    t.equal((await c.start()).status, 0, `${runtime} start`);
    const pid = (await c.state())?.pid;
    const dirs = [...hierarchies.values()].map((mp) => path.join(mp, cg));
    const holding = dirs.filter((d) => {
      try {
        return fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid));
      } catch {
        return false;
      }
    });
    await c.kill('KILL');
    await c.waitStatus('stopped');
    await c.delete();
    const left = dirs.filter((d) => fs.existsSync(d));
    seen[runtime] = [`hierarchies holding the pid: ${holding.length}/${dirs.length}`, `left after delete: ${left.join(' ') || 'none'}`];
  }
  const n = hierarchies.size;
  t.same(seen[SUBJECT], [`hierarchies holding the pid: ${n}/${n}`, 'left after delete: none']);
  t.same(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});
