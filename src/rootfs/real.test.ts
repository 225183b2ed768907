// Root-only: really builds a busybox rootfs in a fresh mount namespace (unshare) with
// linuxSys, and checks from inside what the container would see. Fails without root.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { detectCgroupLayout } from '../cgroups/layout.js';
import { type MountinfoEntry, parseMountinfo } from '../linux/mountinfo.js';
import { hierarchyKeys } from '../cgroups/cgroups-path.js';
import type { HelperConfig, HelperReport, Inspected } from '../../test/fakes/real-helper.js';
import { planOf, type SpecLiteral } from '../../test/fakes/plans.js';
import { runcDefaultMounts } from '../../test/fakes/test-helpers.js';

// The helper is compiled with the tests' fakes: dist/test/fakes/, seen from dist/src/rootfs/.
const helper = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test/fakes/real-helper.js');

/** The last (top) mount at a mount point. */
function top(mounts: MountinfoEntry[], mountPoint: string): MountinfoEntry | undefined {
  return mounts.filter((m) => m.mountPoint === mountPoint).at(-1);
}

/** The helper's own cgroup directories, as the cgroup manager would hand over the container's. */
function ownCgroupPaths(): Record<string, string> {
  const layout = detectCgroupLayout();
  const paths: Record<string, string> = {};
  for (const h of layout.hierarchies) {
    const dir = path.join(h.mountPoint, path.relative(h.mountRoot, h.ownCgroup));
    for (const key of hierarchyKeys(h)) paths[key] = dir;
  }
  return paths;
}

function makeBundle(t: Test): { host: string; bundle: string; rootfs: string } {
  const host = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-real-')));
  t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
  const bundle = path.join(host, 'bundle');
  const rootfs = path.join(bundle, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  fs.symlinkSync('busybox', path.join(rootfs, 'bin/sh'));
  // An image symlink that must not lead a mount out of the rootfs.
  fs.symlinkSync('/', path.join(rootfs, 'escape'));
  // Content a tmpcopyup tmpfs must carry over, with its owner, mode and symlinks.
  fs.mkdirSync(path.join(rootfs, 'etc/app/sub'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'etc/app/conf'), 'setting=1\n');
  fs.chownSync(path.join(rootfs, 'etc/app/conf'), 1000, 1000);
  fs.chmodSync(path.join(rootfs, 'etc/app/conf'), 0o640);
  fs.symlinkSync('conf', path.join(rootfs, 'etc/app/link'));
  fs.mkdirSync(path.join(host, 'volume'));
  fs.writeFileSync(path.join(host, 'volume/hello'), 'from the host');
  return { host, bundle, rootfs };
}

function runHelper(t: Test, host: string, config: HelperConfig): HelperReport | undefined {
  const configPath = path.join(host, 'helper.json');
  fs.writeFileSync(configPath, JSON.stringify(config));
  const result = spawnSync('unshare', ['--mount', '--propagation', 'unchanged', '--fork', process.execPath, helper, configPath], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(result.status, 0, `helper exited 0 (stderr: ${result.stderr.trim()})`);
  if (result.status !== 0) return undefined;
  return JSON.parse(result.stdout) as HelperReport;
}

function hostMountinfoMentions(p: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(p);
}

const RUNC_MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'];
const RUNC_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

t.test('runs as root (this test needs it and fails without it)', async (t) => {
  t.equal(process.getuid?.(), 0, 'running as root');
  t.ok(fs.existsSync('/bin/busybox'), '/bin/busybox is installed (busybox-static)');
});

t.test('pivot_root: a runc-default container with terminal, devices, binds and a read-only root', async (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root');
  const { host, bundle, rootfs } = makeBundle(t);
  const spec: SpecLiteral = {
    root: { readonly: true },
    process: { terminal: true },
    mounts: [
      ...runcDefaultMounts(),
      { destination: '/escape/data', type: 'bind', source: '../volume', options: ['rbind', 'ro', 'nosuid'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nodev', 'size=1m'] },
      { destination: '/etc/app', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'size=1m'] },
    ],
    linux: {
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 1000, gid: 1000 }],
      maskedPaths: RUNC_MASKED,
      readonlyPaths: RUNC_READONLY,
    },
  };
  const report = runHelper(t, host, {
    plan: planOf(spec, { rootfs, bundle }), cgroupPaths: ownCgroupPaths(), noPivot: false,
    inspect: ['/dev/null', '/dev/zero', '/dev/tty', '/dev/fuse', '/dev/ptmx', '/dev/fd', '/dev/stdin', '/dev/console', '/dev/shm', '/data/hello',
      '/etc/app/conf', '/etc/app/link', '/etc/app/sub'],
    writeProbe: '/probe',
  });
  t.notOk(hostMountinfoMentions(host), 'no mount leaked to the host namespace');
  t.notOk(fs.existsSync(path.join(rootfs, 'probe')));
  if (!report) return;

  t.equal(report.cwd, '/');
  t.same(report.rootEntries, ['bin', 'data', 'dev', 'escape', 'etc', 'proc', 'sys', 'tmp']);
  t.ok(report.steps.includes('pivot_root') && report.steps.includes('mount /proc'), 'steps were reported');
  t.equal(report.writeProbe, 'EROFS', 'the root is read-only');

  const mounts = parseMountinfo(report.mountinfo);
  const rootMount = top(mounts, '/');
  t.equal(rootMount?.root, rootfs, '/ is the rootfs bind');
  t.ok(rootMount?.options.includes('ro'), '/ is read-only');
  t.notOk(mounts.some((m) => m.mountPoint.includes(host) || m.mountPoint.startsWith('/mnt/sandboxing')), 'no host mount points inside');

  const expectType: [string, string, string[]][] = [
    ['/proc', 'proc', ['rw']],
    ['/dev', 'tmpfs', ['rw', 'nosuid']],
    ['/dev/pts', 'devpts', ['nosuid', 'noexec']],
    ['/dev/shm', 'tmpfs', ['nosuid', 'nodev', 'noexec']],
    ['/dev/mqueue', 'mqueue', ['nosuid', 'nodev', 'noexec']],
    ['/sys', 'sysfs', ['ro', 'nosuid', 'nodev', 'noexec']],
    ['/sys/fs/cgroup', 'tmpfs', ['rw', 'nosuid', 'nodev', 'noexec']], // writable as in runc; the hierarchies are ro
    ['/tmp', 'tmpfs', ['ro', 'nodev']],
    ['/proc/sys', 'proc', ['ro']],
    ['/sys/firmware', 'tmpfs', ['ro']],
  ];
  // Only where this kernel has it (CONFIG_MAGIC_SYSRQ); a missing read-only path is skipped.
  if (fs.existsSync('/proc/sysrq-trigger')) expectType.push(['/proc/sysrq-trigger', 'proc', ['ro']]);
  for (const [mp, type, options] of expectType) {
    const m = top(mounts, mp);
    t.equal(m?.fsType, type, `${mp} is ${type}`);
    for (const o of options) t.ok(m?.options.includes(o), `${mp} has ${o}`);
  }
  t.match(top(mounts, '/dev/shm')?.superOptions, ['rw', 'size=65536k'], 'tmpfs data reached the kernel');
  t.ok(top(mounts, '/dev/pts')?.superOptions.includes('ptmxmode=666'));

  const data = top(mounts, '/data');
  t.equal(data?.root, `/${path.relative('/', path.join(host, 'volume'))}`.replace('//', '/'), 'the bind through /escape landed at /data');
  t.ok(data?.options.includes('ro') && data.options.includes('nosuid'), 'bind remounted ro,nosuid');
  t.same(report.inspected['/data/hello'], { kind: 'file', mode: 0o644, major: 0, minor: 0, uid: 0, gid: 0, size: 13 });

  // tmpcopyup: a tmpfs holding a copy of what the image had there
  t.equal(top(mounts, '/etc/app')?.fsType, 'tmpfs');
  t.same(report.inspected['/etc/app/conf'], { kind: 'file', mode: 0o640, major: 0, minor: 0, uid: 1000, gid: 1000, size: 10 });
  t.match(report.inspected['/etc/app/link'], { kind: 'symlink', link: 'conf' });
  t.match(report.inspected['/etc/app/sub'], { kind: 'dir', mode: 0o755 });

  // cgroup v1 hierarchies: our own cgroup, read-only.
  const cgroupMounts = mounts.filter((m) => m.fsType === 'cgroup');
  t.ok(cgroupMounts.length > 0, 'v1 hierarchies are bound');
  for (const m of cgroupMounts) t.ok(m.options.includes('ro') && m.mountPoint.startsWith('/sys/fs/cgroup/'), `${m.mountPoint} read-only`);

  // masked and read-only paths
  for (const p of RUNC_MASKED) {
    const got = report.maskedRead[p];
    t.ok(got === 'ENOENT' || got === 'file:' || got === 'dir:', `${p} masked or absent (${got})`);
  }
  const keys = top(mounts, '/proc/keys');
  t.equal(keys?.root, '/null', '/proc/keys is covered by the container /dev/null');

  // devices
  const dev = report.inspected as Record<string, Inspected>;
  t.match(dev['/dev/null'], { kind: 'char', major: 1, minor: 3, mode: 0o666, uid: 0 });
  t.match(dev['/dev/zero'], { kind: 'char', major: 1, minor: 5, mode: 0o666 });
  t.match(dev['/dev/tty'], { kind: 'char', major: 5, minor: 0 });
  t.match(dev['/dev/fuse'], { kind: 'char', major: 10, minor: 229, mode: 0o600, uid: 1000, gid: 1000 });
  t.match(dev['/dev/ptmx'], { kind: 'symlink', link: 'pts/ptmx' });
  t.match(dev['/dev/fd'], { kind: 'symlink', link: '/proc/self/fd' });
  t.match(dev['/dev/stdin'], { kind: 'symlink', link: '/proc/self/fd/0' });
  t.match(dev['/dev/shm'], { kind: 'dir', mode: 0o1777 });

  // console: the pty slave of the container's devpts
  t.match(report.consoleSlave, /^\/dev\/pts\/\d+$/);
  const consoleMount = top(mounts, '/dev/console');
  t.equal(consoleMount?.fsType, 'devpts', '/dev/console is a devpts bind');
  t.equal(consoleMount?.root, `/${report.consoleSlave?.split('/').at(-1)}`);
  t.match(dev['/dev/console'], { kind: 'char', major: 136 });
});

t.test('--no-pivot: MS_MOVE + chroot, host proc/sysfs hidden', async (t) => {
  if (process.getuid?.() !== 0) return t.fail('needs root');
  const { host, bundle, rootfs } = makeBundle(t);
  const spec: SpecLiteral = {
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    ],
    linux: { rootfsPropagation: 'rslave' },
  };
  const report = runHelper(t, host, {
    plan: planOf(spec, { rootfs, bundle }), cgroupPaths: {}, noPivot: true, inspect: ['/dev/null', '/bin/sh'], writeProbe: '/probe',
  });
  t.notOk(hostMountinfoMentions(host), 'no mount leaked to the host namespace');
  t.ok(fs.existsSync(path.join(rootfs, 'probe')), 'the probe was written into the rootfs (read-write root)');
  if (!report) return;
  t.equal(report.cwd, '/');
  t.ok(report.rootEntries.includes('bin') && report.rootEntries.includes('probe'));
  t.ok(report.steps.includes('move rootfs to /') && report.steps.includes('chroot'));
  const mounts = parseMountinfo(report.mountinfo);
  t.equal(top(mounts, '/')?.root, rootfs, '/ is the moved rootfs');
  t.equal(top(mounts, '/proc')?.fsType, 'proc');
  t.match((report.inspected as Record<string, Inspected>)['/dev/null'], { kind: 'char', major: 1, minor: 3 });
  t.match((report.inspected as Record<string, Inspected>)['/bin/sh'], { kind: 'symlink', link: 'busybox' });
  t.notOk(mounts.some((m) => m.mountPoint.includes(host)), 'no host mount points visible');
});
