// Mounts (config.md "Mounts", config-linux.md "Mount Propagation" and mount options).
//
// Where runc may differ: the spec leaves the layout of a "cgroup" mount to the runtime. On this
// machine's hybrid hierarchy runc mounts a tmpfs at the destination with one read-only bind of each
// v1 hierarchy (the container's own cgroup) and no cgroup2 "unified" mount; the test pins that.
// "ro" on an rbind mount makes only the top mount read-only (kernel semantics, as in runc); "rro"
// (runc extension, also in runtime-spec features) makes the whole tree read-only.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REFERENCE,
  SUBJECT,
  assertSameAsReference,
  create,
  hostFsTypeOf,
  hostMount,
  makeBundle,
  mountSummary,
  observeBoth,
  parseMountinfo,
  setupSuite,
  sh,
  tempDir,
  type RuntimeName,
  type SpecPatch,
} from './helpers.js';
import type { SpecMount } from './base-config.js';

setupSuite(t);

const addMounts =
  (...mounts: SpecMount[]): SpecPatch =>
  (s) => {
    s.mounts!.push(...mounts);
  };

/** A host directory with a file in it. */
async function hostDirWithFile(name = 'hello', content = 'from host\n'): Promise<string> {
  const dir = await tempDir('src');
  fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

/** A host tmpfs mount made shared, so propagation into containers can be observed. */
async function sharedHostMount(): Promise<string> {
  const dir = await tempDir('shared');
  await hostMount(['-t', 'tmpfs', 'tmpfs'], dir);
  await sh('mount', '--make-shared', dir);
  return dir;
}

t.test('the standard filesystems: proc, tmpfs /dev, devpts, shm, mqueue, sysfs', async (t) => {
  const points = ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'];
  const both = await observeBoth(undefined, 'cat /proc/self/mountinfo', {
    rootfs: 'shared',
    normalize: (text) => mountSummary(text, points, { superOptions: true }),
  });
  t.equal(
    both.ocirt.stdout,
    [
      '/proc proc rw,relatime super=rw',
      '/dev tmpfs rw,nosuid super=rw,size=65536k,mode=755',
      '/dev/pts devpts rw,nosuid,noexec,relatime super=rw,gid=5,mode=620,ptmxmode=666',
      '/dev/shm tmpfs rw,nosuid,nodev,noexec,relatime super=rw,size=65536k',
      '/dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime super=rw',
      '/sys sysfs ro,nosuid,nodev,noexec,relatime super=ro',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('proc and sysfs show the container\'s own view', async (t) => {
  // The glob is expanded by the shell itself (PID 1), with no other process alive.
  const both = await observeBoth(undefined, 'echo /proc/[0-9]*; ls /sys/class/net', { rootfs: 'shared' });
  t.equal(both.ocirt.stdout.split('\n')[0], '/proc/1', 'only the container\'s process in /proc');
  t.equal(both.ocirt.stdout.split('\n').slice(1).join('\n'), 'lo\n', 'sysfs of the new network namespace: only lo');
  assertSameAsReference(t, both);
});

t.test('a cgroup mount shows the container\'s cgroups read-only', async (t) => {
  const both = await observeBoth(undefined, 'cat /proc/self/mountinfo', {
    rootfs: 'shared',
    normalize: (text) =>
      parseMountinfo(text)
        .filter((m) => m.mountPoint.startsWith('/sys/fs/cgroup'))
        .map((m) => `${m.mountPoint} ${m.fsType} ${m.options.join(',')}`)
        .sort()
        .join('\n') + '\n',
  });
  // One read-only mount per v1 hierarchy of the host, under a tmpfs.
  const hostV1 = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.fsType === 'cgroup' && m.mountPoint.startsWith('/sys/fs/cgroup/'))
    .map((m) => `${m.mountPoint} cgroup ro,nosuid,nodev,noexec,relatime`);
  t.equal(both.ocirt.stdout, ['/sys/fs/cgroup tmpfs rw,nosuid,nodev,noexec,relatime', ...hostV1].sort().join('\n') + '\n');
  assertSameAsReference(t, both);
});

t.test('bind mount with ro, nosuid, nodev, noexec', async (t) => {
  const src = await hostDirWithFile();
  fs.writeFileSync(path.join(src, 'script'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
  const both = await observeBoth(
    addMounts(
      { destination: '/mnt/ro', type: 'bind', source: src, options: ['bind', 'ro', 'nosuid', 'nodev', 'noexec'] },
      { destination: '/mnt/rw', type: 'bind', source: src, options: ['bind'] },
    ),
    [
      'cat /mnt/ro/hello',
      'touch /mnt/ro/new 2>/dev/null && echo ro-writable || echo ro-refused',
      '/mnt/ro/script 2>/dev/null || echo noexec-refused',
      '/mnt/rw/script',
      'cat /proc/self/mountinfo',
    ].join('; '),
    { normalize: (text) => text.split('\n').slice(0, 4).join('\n') + '\n' + mountSummary(text, ['/mnt/ro', '/mnt/rw']) },
  );
  t.equal(
    both.ocirt.stdout,
    [
      'from host',
      'ro-refused',
      'noexec-refused',
      'ran',
      `/mnt/ro ${hostFsTypeOf(src)} ro,nosuid,nodev,noexec,relatime`,
      `/mnt/rw ${hostFsTypeOf(src)} rw,relatime`,
      '',
    ].join('\n'),
  );
  t.notOk(fs.existsSync(path.join(src, 'new')), 'nothing was written through the ro mount');
  assertSameAsReference(t, both);
});

t.test('a file can be bind-mounted, and missing destinations are created', async (t) => {
  const src = await hostDirWithFile('file.txt', 'single file\n');
  const both = await observeBoth(
    addMounts(
      { destination: '/etc/bound.txt', type: 'bind', source: path.join(src, 'file.txt'), options: ['bind', 'ro'] },
      { destination: '/made/for/you', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
    ),
    'cat /etc/bound.txt; [ -d /made/for/you ] && echo dir-created',
  );
  t.equal(both.ocirt.stdout, 'single file\ndir-created\n');
  assertSameAsReference(t, both);
});

t.test('bind vs rbind, ro vs rro on a tree with a submount', async (t) => {
  const src = await hostDirWithFile('top', 'top\n');
  await hostMount(['-t', 'tmpfs', 'tmpfs'], path.join(src, 'sub'));
  fs.writeFileSync(path.join(src, 'sub', 'inner'), 'inner\n');
  const probe = (dir: string) =>
    `echo "${dir}: $(cat ${dir}/sub/inner 2>/dev/null || echo no-submount)` +
    ` top=$(touch ${dir}/w 2>/dev/null && echo rw || echo ro)` +
    ` sub=$( [ -f ${dir}/sub/inner ] && (touch ${dir}/sub/w 2>/dev/null && echo rw || echo ro) || echo -)"`;
  const both = await observeBoth(
    addMounts(
      { destination: '/mnt/bind', type: 'bind', source: src, options: ['bind'] },
      { destination: '/mnt/rbind', type: 'bind', source: src, options: ['rbind'] },
      { destination: '/mnt/rbind-ro', type: 'bind', source: src, options: ['rbind', 'ro'] },
      { destination: '/mnt/rbind-rro', type: 'bind', source: src, options: ['rbind', 'rro'] },
    ),
    ['/mnt/bind', '/mnt/rbind', '/mnt/rbind-ro', '/mnt/rbind-rro'].map(probe).join('; '),
  );
  t.equal(
    both.ocirt.stdout,
    [
      '/mnt/bind: no-submount top=rw sub=-',
      '/mnt/rbind: inner top=rw sub=rw',
      '/mnt/rbind-ro: inner top=ro sub=rw',
      '/mnt/rbind-rro: inner top=ro sub=ro',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('atime flags', async (t) => {
  const variants: [string, string[]][] = [
    ['noatime', ['noatime']],
    ['strictatime', ['strictatime']],
    ['relatime', ['relatime']],
    ['nodiratime', ['nodiratime']],
    ['default', []],
  ];
  const both = await observeBoth(
    addMounts(
      ...variants.map(([name, options]) => ({ destination: `/mnt/${name}`, type: 'tmpfs', source: 'tmpfs', options })),
    ),
    'cat /proc/self/mountinfo',
    { rootfs: 'copy', normalize: (text) => mountSummary(text, variants.map(([n]) => `/mnt/${n}`)) },
  );
  t.equal(
    both.ocirt.stdout,
    [
      '/mnt/noatime tmpfs rw,noatime',
      '/mnt/strictatime tmpfs rw',
      '/mnt/relatime tmpfs rw,relatime',
      '/mnt/nodiratime tmpfs rw,nodiratime,relatime',
      '/mnt/default tmpfs rw,relatime',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('tmpfs with size and mode', async (t) => {
  const both = await observeBoth(
    addMounts({ destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'mode=1770'] }),
    'stat -c %a /mnt/t; cat /proc/self/mountinfo',
    { normalize: (text) => text.split('\n')[0] + '\n' + mountSummary(text, ['/mnt/t'], { superOptions: true }) },
  );
  t.equal(both.ocirt.stdout, '1770\n/mnt/t tmpfs rw,nosuid,relatime super=rw,size=1024k,mode=1770\n');
  assertSameAsReference(t, both);
});

t.test('per-mount propagation flags', async (t) => {
  const src = await sharedHostMount();
  const flags = ['rslave', 'rshared', 'rprivate', 'runbindable'];
  const both = await observeBoth(
    addMounts(...flags.map((f) => ({ destination: `/mnt/${f}`, type: 'bind', source: src, options: ['rbind', f] }))),
    'cat /proc/self/mountinfo',
    { normalize: (text) => mountSummary(text, flags.map((f) => `/mnt/${f}`), { propagation: true }) },
  );
  t.equal(
    both.ocirt.stdout,
    [
      '/mnt/rslave tmpfs rw,relatime slave',
      '/mnt/rshared tmpfs rw,relatime shared+slave',
      '/mnt/rprivate tmpfs rw,relatime private',
      '/mnt/runbindable tmpfs rw,relatime unbindable',
      '',
    ].join('\n'),
  );
  assertSameAsReference(t, both);
});

t.test('a host mount made after start propagates into an rslave mount, not into an rprivate one', async (t) => {
  const seen: Record<string, string> = {};
  for (const runtime of [SUBJECT, REFERENCE] as RuntimeName[]) {
    const src = await sharedHostMount();
    const bundle = await makeBundle(
      addMounts(
        { destination: '/mnt/slave', type: 'bind', source: src, options: ['rbind', 'rslave'] },
        { destination: '/mnt/private', type: 'bind', source: src, options: ['rbind', 'rprivate'] },
      ),
    );
    bundle.spec.process!.args = ['sleep', '3600'];
    await bundle.writeSpec();
    const c = await create(runtime, bundle);
    t.equal(c.createResult.status, 0, `${runtime} create: ${c.createResult.stderr}`);
    await c.start();
    await hostMount(['-t', 'tmpfs', 'tmpfs'], path.join(src, 'late'));
    const ex = await c.exec(['sh', '-c', 'for m in slave private; do grep -q " /mnt/$m/late " /proc/self/mountinfo && echo "$m sees it" || echo "$m does not"; done']);
    seen[runtime] = ex.stdout;
    await c.delete(true);
  }
  t.equal(seen[SUBJECT], 'slave sees it\nprivate does not\n');
  t.equal(seen[SUBJECT], seen[REFERENCE], 'ocirt matches runc');
});

/** Every cgroup directory named `name`, in any hierarchy (a failed create must leave none). */
function cgroupDirsNamed(name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name === name) found.push(p);
      else walk(p, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

// CVE-2019-16884: a mount over /proc/self/attr (/proc/1/attr once resolved) would hide the
// LSM label files; over /proc/sys it would hide the sysctls that readonlyPaths locks; and
// /proc itself takes nothing but procfs. Whatever the type (cgroup mounts once skipped the
// check), create fails under both runtimes and ocirt leaves nothing behind.
t.test('no mount lands inside /proc or on it, whatever its type', async (t) => {
  const bindSource = await tempDir('procbind');
  for (const destination of ['/proc/sys', '/proc/self/attr', '/proc']) {
    for (const type of ['cgroup', 'cgroup2', 'tmpfs', 'bind']) {
      const mount: SpecMount = type === 'bind'
        ? { destination, type: 'bind', source: bindSource, options: ['rbind'] }
        : { destination, type, source: type, options: ['nosuid', 'noexec', 'nodev'] };
      const what = `${type} at ${destination}`;
      // runc 1.1.5 does not check tmpfs mounts below /proc (later runc does): ocirt alone there.
      const runtimes = type === 'tmpfs' && destination !== '/proc' ? [SUBJECT] : [SUBJECT, REFERENCE];
      for (const runtime of runtimes) {
        const bundle = await makeBundle(addMounts(mount), { rootfs: 'shared', runtime });
        const id = `proc-${type}-${destination.split('/').pop()}-${runtime}-${process.pid}`;
        const c = await create(runtime, bundle, { id });
        t.not(c.createResult.status, 0, `${what}: ${runtime} refuses it`);
        if (runtime !== SUBJECT) continue;
        const message = destination === '/proc' ? /"?\/proc"? cannot be mounted because it is not of type proc/ : /cannot be mounted because it is inside \/proc/;
        t.match(c.createResult.stderr, message, `${what}: ocirt says why`);
        const state = await c.state();
        t.equal(state, undefined, `${what}: no state left`);
        t.same(cgroupDirsNamed(id), [], `${what}: no cgroup left`);
        const left = (await sh('ps', '-eo', 'args')).split('\n').filter((l) => l.includes(id));
        t.same(left, [], `${what}: no process left`);
      }
    }
  }
});
