// Shared fixtures for the rootfs unit tests: a temp "host" with a bundle, a rootfs and a
// sentinel directory outside the rootfs, and readable renderings of FakeSys mount calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import * as C from '../../ffi/constants.js';
import { FakeSys } from './fake.js';

export interface Host {
  /** Temp directory standing for the host. */
  host: string;
  bundle: string;
  /** bundle/rootfs, symlink-free. */
  root: string;
  /** A host directory outside the rootfs that must stay untouched. */
  outside: string;
  sys: FakeSys;
}

export function makeHost(t: Test): Host {
  const host = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ocirt-rootfs-')));
  t.teardown(() => fs.rmSync(host, { recursive: true, force: true }));
  const bundle = path.join(host, 'bundle');
  const root = path.join(bundle, 'rootfs');
  const outside = path.join(host, 'outside');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(outside);
  return { host, bundle, root, outside, sys: new FakeSys() };
}

const MS_NAMES: [number, string][] = [
  [C.MS_RDONLY, 'RDONLY'], [C.MS_NOSUID, 'NOSUID'], [C.MS_NODEV, 'NODEV'], [C.MS_NOEXEC, 'NOEXEC'],
  [C.MS_SYNCHRONOUS, 'SYNCHRONOUS'], [C.MS_REMOUNT, 'REMOUNT'], [C.MS_MANDLOCK, 'MANDLOCK'], [C.MS_DIRSYNC, 'DIRSYNC'],
  [C.MS_NOSYMFOLLOW, 'NOSYMFOLLOW'], [C.MS_NOATIME, 'NOATIME'], [C.MS_NODIRATIME, 'NODIRATIME'], [C.MS_BIND, 'BIND'],
  [C.MS_MOVE, 'MOVE'], [C.MS_REC, 'REC'], [C.MS_SILENT, 'SILENT'], [C.MS_UNBINDABLE, 'UNBINDABLE'],
  [C.MS_PRIVATE, 'PRIVATE'], [C.MS_SLAVE, 'SLAVE'], [C.MS_SHARED, 'SHARED'], [C.MS_RELATIME, 'RELATIME'],
  [C.MS_STRICTATIME, 'STRICTATIME'], [C.MS_LAZYTIME, 'LAZYTIME'],
];

/** MS_* flags as `BIND|REC`, `0` for none. */
export function msNames(flags: number): string {
  const names = MS_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return names.length === 0 ? '0' : names.join('|');
}

/** Replaces the rootfs prefix with `R` so expectations read like container paths. */
export function short(root: string, p: unknown): unknown {
  if (typeof p !== 'string') return p;
  return p === root ? 'R' : p.startsWith(`${root}/`) ? `R${p.slice(root.length)}` : p;
}

/** Every mount(2) call as `source target type FLAGS data`, rootfs paths as R/... */
export function mountCalls(sys: FakeSys, root: string): string[] {
  return sys.of('mount').map(([source, target, type, flags, data]) =>
    [short(root, source) ?? '-', short(root, target), type ?? '-', msNames(flags as number), data ?? '-'].join(' '));
}

/** Every call in order as `name arg0 ...`, for order checks (mount flags rendered by name). */
export function callLog(sys: FakeSys, root: string): string[] {
  return sys.calls.map(({ name, args }) => {
    if (name === 'mount') {
      const [source, target, type, flags, data] = args;
      return ['mount', short(root, source) ?? '-', short(root, target), type ?? '-', msNames(flags as number), data ?? '-'].join(' ');
    }
    return [name, ...args.map((a) => (typeof a === 'bigint' ? `${a}n` : typeof a === 'number' ? `0o${a.toString(8)}` : short(root, a)))].join(' ');
  });
}

/** The mountinfo of a cgroup v1 host like this machine's, with a co-mounted cpu,cpuacct. */
export const V1_MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '23 27 0:22 / /sys rw,relatime - sysfs sysfs rw',
  '27 1 254:0 / / rw,relatime master:1 - ext4 /dev/vda rw', // after the init's rslave
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '',
].join('\n');

/** cgroupPaths for V1_MOUNTINFO, as the cgroup manager hands them over. */
export const V1_CGROUP_PATHS: Record<string, string> = {
  cpu: '/sys/fs/cgroup/cpu,cpuacct/ocirt/c1',
  cpuacct: '/sys/fs/cgroup/cpu,cpuacct/ocirt/c1',
  memory: '/sys/fs/cgroup/memory/ocirt/c1',
  'name=systemd': '/sys/fs/cgroup/systemd/ocirt/c1',
  '': '/sys/fs/cgroup/unified/ocirt/c1',
};

/** The mounts of `runc spec` (what most engines send). */
export function runcDefaultMounts(): { destination: string; type: string; source: string; options?: string[] }[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}
