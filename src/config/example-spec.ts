// The config.json that `ocirt spec` writes: runc's example spec (libcontainer/specconv/example.go) with our
// hostname and spec version. Keys are built in the order of the runtime-spec Go structs so the JSON
// text reads like runc's.

import fs from 'node:fs';
import type { Mount, Spec } from '../generated/config.js';
import { OCI_VERSION } from '../oci-version.js';

export interface ExampleSpecOptions {
  /** Like `runc spec --rootless`: user namespace mapping the caller's ids, no network namespace... */
  rootless: boolean;
  /** Add a cgroup namespace (runc does on a cgroup v2 host). Default: whether /sys/fs/cgroup is cgroup2. */
  cgroupNamespace?: boolean;
  /** Host ids mapped to root in rootless mode. Default: the effective uid/gid of this process. */
  hostUid?: number;
  hostGid?: number;
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

export function exampleSpec(options: ExampleSpecOptions): Spec {
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'ocirt',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  if (options.cgroupNamespace ?? isCgroup2Host()) spec.linux!.namespaces!.push({ type: 'cgroup' });
  if (options.rootless) makeRootless(spec, options.hostUid ?? process.geteuid!(), options.hostGid ?? process.getegid!());
  return spec;
}

/** What runc's ToRootless does to the example: things an unprivileged user cannot have. */
function makeRootless(spec: Spec, hostUid: number, hostGid: number): void {
  const linux = spec.linux!;
  // No network namespace (nothing could configure it); a user namespace mapping the caller to root.
  const namespaces = linux.namespaces!.filter((ns) => ns.type !== 'network' && ns.type !== 'user');
  namespaces.push({ type: 'user' });
  // Rebuild `linux` so the mappings come first, as in the Go struct.
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: hostUid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: hostGid, size: 1 }],
    namespaces,
    maskedPaths: linux.maskedPaths!,
    readonlyPaths: linux.readonlyPaths!,
  };
  // sysfs cannot be mounted without owning the network namespace: bind the host's /sys instead.
  // uid=/gid= options name ids that do not exist in the single-id mapping.
  spec.mounts = spec.mounts!.map((m): Mount => {
    if (m.destination === '/sys') {
      return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
    }
    if (!m.options) return m;
    return { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) };
  });
  // No cgroup resources: the device cgroup cannot be configured unprivileged.
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

function isCgroup2Host(): boolean {
  try {
    return fs.statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}
