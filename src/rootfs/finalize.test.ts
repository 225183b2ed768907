import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AT_RECURSIVE, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY } from '../../ffi/constants.js';
import { finalizeRootfs } from './finalize.js';
import { callLog, makeHost, mountCalls, runcDefaultMounts, type Host } from '../../test/fakes/test-helpers.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';

/**
 * A container root for the file checks: /dev points at the host's /dev (so /dev/null is
 * the real character device 1:3), plus a few /proc-like files and directories.
 */
function containerRoot(h: Host, withProc = false): string {
  const root = h.root;
  fs.symlinkSync('/dev', path.join(root, 'dev'));
  fs.mkdirSync(path.join(root, 'fakeproc/acpi'), { recursive: true });
  fs.writeFileSync(path.join(root, 'fakeproc/kcore'), '');
  if (withProc) fs.symlinkSync('/proc', path.join(root, 'proc'));
  return root;
}

const RUNC_MASKED = ['/fakeproc/acpi', '/fakeproc/kcore', '/fakeproc/missing'];

t.test('order: deferred read-only remounts, read-only root, readonly paths, masked paths', async (t) => {
  const h = makeHost(t);
  const fsRoot = containerRoot(h);
  fs.mkdirSync(path.join(fsRoot, 'ro-dir'));
  h.sys.statfsResults.set('/ro-dir', { type: 0, flags: 0x2 | 0x8 | 0x400 }); // nosuid, noexec, noatime
  const spec: SpecLiteral = {
    root: { readonly: true },
    mounts: [...runcDefaultMounts(), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nodev'] }],
    linux: { readonlyPaths: ['/ro-dir', '/missing-ro'], maskedPaths: RUNC_MASKED },
  };
  h.sys.failOn('mount', 'ENOENT', (a) => a[1] === '/missing-ro');
  const steps: string[] = [];
  finalizeRootfs(h.sys, { plan: planOf(spec), fsRoot, step: (name, fn) => { steps.push(name); return fn(); } });
  t.same(mountCalls(h.sys, fsRoot), [
    '- /tmp - RDONLY|NODEV|REMOUNT|BIND -',
    '- / - RDONLY|REMOUNT|BIND -',
    '/ro-dir /ro-dir - BIND|REC -',
    '/ro-dir /ro-dir - RDONLY|NOSUID|NOEXEC|REMOUNT|BIND -',
    '/missing-ro /missing-ro - BIND|REC -',
    'tmpfs /fakeproc/acpi tmpfs RDONLY -',
    '/dev/null /fakeproc/kcore - BIND -',
  ]);
  t.same(steps, [
    'remount /tmp read-only', 'read-only rootfs', 'readonly path /ro-dir', 'readonly path /missing-ro',
    'mask /fakeproc/acpi', 'mask /fakeproc/kcore', 'mask /fakeproc/missing',
  ]);
});

t.test('a read-only /dev tmpfs is remounted, a read-write one is not', async (t) => {
  const h = makeHost(t);
  const mounts = runcDefaultMounts();
  mounts[1]!.options!.push('ro');
  finalizeRootfs(h.sys, { plan: planOf({ mounts }), fsRoot: containerRoot(h) });
  t.same(mountCalls(h.sys, h.root), ['- /dev - RDONLY|NOSUID|REMOUNT|BIND|STRICTATIME -']);
});

t.test('recursive attributes of tmpfs and /dev mounts are applied here', async (t) => {
  const h = makeHost(t);
  finalizeRootfs(h.sys, { plan: planOf({ mounts: [{ destination: '/dev', type: 'tmpfs', options: ['rro', 'rnosuid'] }] }), fsRoot: containerRoot(h) });
  t.same(h.sys.of('mountSetattr'), [['/dev', AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0]]);
});

t.test('EBUSY on a read-only remount is retried, up to five times', async (t) => {
  const h = makeHost(t);
  const spec = { mounts: [{ destination: '/tmp', type: 'tmpfs', options: ['ro'] }] };
  h.sys.failOn('mount', 'EBUSY', undefined, 2);
  finalizeRootfs(h.sys, { plan: planOf(spec), fsRoot: containerRoot(h) });
  t.equal(h.sys.of('mount').length, 3);
  const busy = makeHost(t);
  busy.sys.failOn('mount', 'EBUSY', undefined, 10);
  t.throws(() => finalizeRootfs(busy.sys, { plan: planOf(spec), fsRoot: containerRoot(busy) }), { code: 'EBUSY', message: /^remount \/tmp read-only: / });
  t.equal(busy.sys.of('mount').length, 5);
});

t.test('a read-only root whose flags are locked keeps them', async (t) => {
  const h = makeHost(t);
  h.sys.failOn('mount', 'EPERM');
  h.sys.statfsResults.set('/', { type: 0, flags: 0x2 | 0x4 | 0x1000 });
  finalizeRootfs(h.sys, { plan: planOf({ root: { readonly: true } }), fsRoot: containerRoot(h) });
  t.same(mountCalls(h.sys, h.root), ['- / - RDONLY|REMOUNT|BIND -', '- / - RDONLY|NOSUID|NODEV|REMOUNT|BIND|RELATIME -']);
  const refused = makeHost(t);
  refused.sys.failOn('mount', 'EPERM', undefined, 2);
  t.throws(() => finalizeRootfs(refused.sys, { plan: planOf({ root: { readonly: true } }), fsRoot: containerRoot(refused) }),
    { code: 'EPERM', message: /^set rootfs read-only: / });
  t.same(mountCalls(refused.sys, refused.root), ['- / - RDONLY|REMOUNT|BIND -', '- / - RDONLY|REMOUNT|BIND|STRICTATIME -'],
    'no atime flag on the mount means strictatime');
});

t.test('masked files bind the verified /dev/null through /proc/self/fd when /proc is there', async (t) => {
  const h = makeHost(t);
  const fsRoot = containerRoot(h, true);
  finalizeRootfs(h.sys, { plan: planOf({ linux: { maskedPaths: ['/fakeproc/kcore', '/fakeproc/kcore/', '//fakeproc/kcore'] } }), fsRoot });
  const calls = h.sys.of('mount');
  t.equal(calls.length, 1, 'duplicates are masked once');
  t.match(calls[0], [/^\/proc\/self\/fd\/\d+$/, '/fakeproc/kcore', null, 0x1000, null]);
});

t.test('masking refuses a /dev/null that is not the character device 1:3', async (t) => {
  for (const kind of ['file', 'symlink', 'missing']) {
    const h = makeHost(t);
    fs.mkdirSync(path.join(h.root, 'dev'));
    if (kind === 'file') fs.writeFileSync(path.join(h.root, 'dev/null'), 'secret');
    if (kind === 'symlink') fs.symlinkSync('/dev/null', path.join(h.root, 'dev/null'));
    t.throws(() => finalizeRootfs(h.sys, { plan: planOf({ linux: { maskedPaths: ['/etc'] } }), fsRoot: h.root }), /invalid \/dev\/null/, kind);
    t.same(h.sys.of('mount'), []);
  }
});

t.test('unbindable rootfsPropagation is applied to the new / last, after the readonly-path binds', async (t) => {
  for (const [value, flags] of [['unbindable', 'UNBINDABLE'], ['runbindable', 'REC|UNBINDABLE']]) {
    const h = makeHost(t);
    finalizeRootfs(h.sys, { plan: planOf({ linux: { rootfsPropagation: value, readonlyPaths: ['/etc'] } }), fsRoot: containerRoot(h) });
    t.same(mountCalls(h.sys, h.root).map((c) => c.split(' ')[3]), ['BIND|REC', 'RDONLY|REMOUNT|BIND', flags], value);
  }
  for (const value of ['rslave', 'shared']) {
    const h = makeHost(t);
    finalizeRootfs(h.sys, { plan: planOf({ linux: { rootfsPropagation: value } }), fsRoot: containerRoot(h) });
    t.same(callLog(h.sys, h.root), [], `${value} was set before pivot_root`);
  }
});
