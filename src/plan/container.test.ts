import t, { type Test } from 'tap';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWTIME, CLONE_NEWUTS, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY,
  MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME, MS_SHARED, MS_SLAVE, MS_STRICTATIME,
  MS_UNBINDABLE, S_IFBLK, S_IFCHR, S_IFIFO,
} from '../../ffi/constants.js';
import { ConfigError } from '../config/errors.js';
import { exampleSpec } from '../config/example-spec.js';
import type { Spec } from '../generated/config.js';
import { CAP_LAST_CAP } from '../linux/capabilities.js';
import { planContainer } from './container.js';
import { DEFAULT_DEVICES } from './devices.js';
import { withInitPid } from './hooks.js';
import type { ContainerPlan, MountPlan } from './types.js';

const OPTS = { id: 'c1', bundle: '/b', lastCap: CAP_LAST_CAP };

function spec(over: Partial<Spec> = {}): Spec {
  return { ociVersion: '1.3.0', root: { path: 'rootfs' }, process: { cwd: '/', args: ['sh'] }, ...over };
}

function plan(over: Partial<Spec> = {}, opts: Partial<typeof OPTS> = {}): ContainerPlan {
  return planContainer(spec(over), { ...OPTS, ...opts });
}

/** The issues planContainer throws with, as `pointer: message`. */
function issues(t: Test, over: Partial<Spec>): string[] {
  try {
    plan(over);
  } catch (err) {
    t.ok(err instanceof ConfigError, 'a ConfigError');
    return (err as ConfigError).issues.map((i) => `${i.pointer}: ${i.message}`);
  }
  t.fail('planned without an error');
  return [];
}

const NO_ATTRS = { clearFlags: 0, propagation: [], recAttrSet: 0, recAttrClr: 0, data: '', bind: false, recursiveBind: false, extensions: [], idmap: false, recursiveIdmap: false };

function mount(m: Partial<MountPlan> & { destination: string; type: string }, options: Partial<MountPlan['options']> = {}): MountPlan {
  return { bind: false, deferredReadonly: false, ...m, options: { ...NO_ATTRS, flags: 0, ...options } };
}

t.test('the example spec (runc spec) plans to exactly this', async (t) => {
  const example = exampleSpec({ rootless: false, cgroupNamespace: true });
  example.annotations = { 'org.example': 'x' };
  const state = (status: 'creating' | 'created') => ({ ociVersion: '1.3.0', id: 'c1', status, bundle: '/b', annotations: { 'org.example': 'x' } });
  const caps = [29, 5, 10]; // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
  t.same(planContainer(example, OPTS), {
    id: 'c1',
    bundle: '/b',
    root: { path: '/b/rootfs', readonly: true, propagation: MS_SLAVE | MS_REC },
    mounts: [
      mount({ destination: '/proc', type: 'proc', source: 'proc' }),
      mount({ destination: '/dev', type: 'tmpfs', source: 'tmpfs', deferredReadonly: true },
        { flags: MS_NOSUID | MS_STRICTATIME, data: 'mode=755,size=65536k' }),
      mount({ destination: '/dev/pts', type: 'devpts', source: 'devpts' },
        { flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666,mode=0620,gid=5' }),
      mount({ destination: '/dev/shm', type: 'tmpfs', source: 'shm', deferredReadonly: true },
        { flags: MS_NOSUID | MS_NOEXEC | MS_NODEV, data: 'mode=1777,size=65536k' }),
      mount({ destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue' }, { flags: MS_NOSUID | MS_NOEXEC | MS_NODEV }),
      mount({ destination: '/sys', type: 'sysfs', source: 'sysfs' }, { flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY }),
      mount({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
        { flags: MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY }),
    ],
    namespaces: {
      types: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'],
      pid: { new: true },
      join: [],
      launcherJoin: [],
      create: ['network', 'ipc', 'uts', 'mount', 'cgroup'],
      unshareFlags: CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP,
    },
    dev: { setup: true, bindOnly: false, devices: [...DEFAULT_DEVICES] },
    maskedPaths: example.linux!.maskedPaths!,
    readonlyPaths: example.linux!.readonlyPaths!,
    sysctls: [],
    timeOffsets: [],
    process: {
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      terminal: true,
      uid: 0,
      gid: 0,
      additionalGids: [],
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [], unknown: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', resource: 7, soft: 1024, hard: 1024 }],
      noNewPrivileges: true,
    },
    hooks: {
      prestart: { hooks: [], state: state('creating') },
      createRuntime: { hooks: [], state: state('creating') },
      createContainer: { hooks: [], state: state('creating') },
      startContainer: { hooks: [], state: state('created') },
    },
    hostname: 'ocirt',
  });
});

t.test('the plan is plain JSON: what the init receives is what was planned', async (t) => {
  const p = plan({ linux: { namespaces: [{ type: 'mount' }], seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } }, mounts: [{ destination: '/x', type: 'tmpfs', options: ['rro'] }] });
  t.same(JSON.parse(JSON.stringify(p)), p);
});

t.test('mounts: options parsed once, destinations normalised, bind sources from the bundle', async (t) => {
  const p = plan({
    mounts: [
      { destination: 'data/', type: 'bind', source: 'vol', options: ['rbind', 'ro', 'rslave', 'rnosuid'] },
      { destination: '/etc/hosts', type: 'none', source: '/h/hosts', options: ['bind'] },
      { destination: '/tmp', type: 'tmpfs', options: ['tmpcopyup', 'rro', 'size=1m'] },
      { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] },
      { destination: '/mnt' },
    ],
  });
  t.same(p.mounts.map((m) => [m.destination, m.bind, m.bindSource, m.deferredReadonly]), [
    ['/data', true, '/b/vol', false],
    ['/etc/hosts', true, '/h/hosts', false],
    ['/tmp', false, undefined, true],
    ['/dev', true, '/dev', false],
    ['/mnt', false, undefined, false],
  ]);
  t.match(p.mounts[0]!.options, { flags: MS_BIND | MS_REC | MS_RDONLY, propagation: [MS_SLAVE | MS_REC], recAttrSet: MOUNT_ATTR_NOSUID, recursiveBind: true });
  t.match(p.mounts[2]!.options, { extensions: ['tmpcopyup'], recAttrSet: MOUNT_ATTR_RDONLY, data: 'size=1m' });
  t.equal(p.mounts[4]!.type, '', 'no type');
  t.equal(p.dev.setup, false, 'a bound /dev is not populated');
});

t.test('mounts: id-mapped bind mounts take their own maps, else the container\'s; refused at their pointer otherwise', async (t) => {
  const own = [{ containerID: 1000, hostID: 100000, size: 1 }];
  const userMap = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const withUser = { namespaces: [{ type: 'mount' as const }, { type: 'user' as const }], uidMappings: userMap, gidMappings: userMap };
  const src = { type: 'bind', source: '/tmp' };
  const mounts = plan({ linux: withUser, mounts: [
    { destination: '/own', ...src, options: ['rbind', 'ridmap'], uidMappings: own, gidMappings: own },
    { destination: '/theirs', ...src, options: ['bind', 'idmap'] },
    { destination: '/maps-only', ...src, uidMappings: own, gidMappings: own },
    { destination: '/plain', ...src },
  ] }).mounts;
  t.same(mounts.map((m) => m.idmap), [
    { uidMap: own, gidMap: own, recursive: true },
    { uidMap: userMap, gidMap: userMap, recursive: false },
    { uidMap: own, gidMap: own, recursive: false },
    undefined,
  ]);
  t.same(plan({ mounts: [{ destination: '/v', ...src, options: ['idmap'], uidMappings: own, gidMappings: own }] }).mounts[0]!.idmap,
    { uidMap: own, gidMap: own, recursive: false }, 'the mount\'s own maps need no user namespace (as in runc 1.2)');
  t.same(issues(t, { mounts: [
    { destination: '/ok', type: 'tmpfs' },
    { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'idmap'], uidMappings: own, gidMappings: own },
    { destination: '/u', type: 'tmpfs', source: 'tmpfs', uidMappings: own, gidMappings: own },
    { destination: '/v', ...src, options: ['rbind', 'ro', 'ridmap'] },
    { destination: '/w', ...src, options: ['idmap'], uidMappings: [...own, { containerID: 1000, hostID: 5, size: 1 }], gidMappings: own },
  ] }), [
    '/mounts/1/options/1: id-mapped mounts are only supported for bind mounts',
    '/mounts/2/uidMappings: id-mapped mounts are only supported for bind mounts',
    '/mounts/3/options/2: ridmap needs the mount\'s uidMappings and gidMappings, or a new user namespace whose maps it takes',
    '/mounts/4/uidMappings/1: its containerID range overlaps /mounts/4/uidMappings/0',
  ]);
  t.same(issues(t, { linux: { ...withUser, uidMappings: [] }, mounts: [{ destination: '/v', ...src, options: ['idmap'] }] }),
    ['/linux/uidMappings: is required with a new user namespace (/linux/namespaces/1)'], 'a user namespace with bad maps: its issue only');
});

t.test('root propagation: computed once for before the rootfs bind and for the very end', async (t) => {
  const mountNs = { namespaces: [{ type: 'mount' as const }] };
  const cases: [string | undefined, number | undefined, number | undefined][] = [
    [undefined, MS_SLAVE | MS_REC, undefined],
    ['shared', MS_SHARED, undefined],
    ['rprivate', MS_PRIVATE | MS_REC, undefined],
    ['unbindable', MS_SLAVE | MS_REC, MS_UNBINDABLE],
    ['runbindable', MS_SLAVE | MS_REC, MS_UNBINDABLE | MS_REC],
  ];
  for (const [value, first, last] of cases) {
    const root = plan({ linux: { ...mountNs, ...(value ? { rootfsPropagation: value as 'shared' } : {}) } }).root;
    t.same([root.propagation, root.propagationLast], [first, last], String(value));
  }
  const hostNs = plan({ linux: { rootfsPropagation: 'rshared' } }).root;
  t.equal(hostNs.propagation, undefined, "without a mount namespace the host's / is left alone");
  t.same(issues(t, { linux: { rootfsPropagation: 'sideways' as 'shared' } }), ['/linux/rootfsPropagation: rootfsPropagation=sideways is not supported']);
  t.same(plan({ root: { path: '/abs/root', readonly: false } }).root, { path: '/abs/root', readonly: false });
});

t.test('namespaces: pid for the runtime, joins in join order (mount last), the rest unshared', async (t) => {
  const ns = plan({ linux: { namespaces: [
    { type: 'mount', path: '/proc/9/ns/mnt' }, { type: 'pid', path: '/proc/9/ns/pid' }, { type: 'network', path: '/run/netns/x' },
    { type: 'ipc' }, { type: 'time' }, { type: 'cgroup', path: '/proc/9/ns/cgroup' },
  ] } }).namespaces;
  t.same(ns, {
    types: ['mount', 'pid', 'network', 'ipc', 'time', 'cgroup'],
    pid: { path: '/proc/9/ns/pid' },
    join: [
      { type: 'network', path: '/run/netns/x' }, { type: 'cgroup', path: '/proc/9/ns/cgroup' }, { type: 'mount', path: '/proc/9/ns/mnt' },
    ],
    launcherJoin: [],
    create: ['ipc', 'time'],
    unshareFlags: CLONE_NEWIPC | CLONE_NEWTIME,
  });
  t.equal(plan().namespaces.pid, undefined, 'no pid namespace: the runtime spawns into its own');
  t.same(issues(t, { linux: { namespaces: [{ type: 'uts' }, { type: 'user' }, { type: 'uts' }, { type: 'time', path: '/x' }] } }), [
    '/linux/uidMappings: is required with a new user namespace (/linux/namespaces/1)',
    '/linux/gidMappings: is required with a new user namespace (/linux/namespaces/1)',
    '/linux/namespaces/2/type: duplicate namespace uts',
  ]);
});

t.test('namespaces a threaded init cannot join are the launcher\'s: time by path; with a user namespace every one by path but mount', async (t) => {
  const time = plan({ linux: { namespaces: [
    { type: 'mount' }, { type: 'network', path: '/run/netns/x' }, { type: 'time', path: '/proc/9/ns/time' },
  ] } }).namespaces;
  t.same(time.launcherJoin, [{ type: 'time', path: '/proc/9/ns/time' }], 'setns into a time namespace fails with EUSERS in a threaded process');
  t.same(time.join, [{ type: 'network', path: '/run/netns/x' }], 'without a user namespace the init joins the rest itself');
  t.same(time.create, ['mount']);
  t.equal(time.user, undefined);

  const joined = plan({ linux: { namespaces: [
    { type: 'pid' }, { type: 'mount', path: '/proc/9/ns/mnt' }, { type: 'cgroup', path: '/proc/9/ns/cgroup' }, { type: 'uts' },
    { type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'user', path: '/proc/9/ns/user' },
    { type: 'time', path: '/proc/9/ns/time' },
  ] } }).namespaces;
  t.same(joined.user, { path: '/proc/9/ns/user', uidMap: [], gidMap: [] }, 'no maps needed: the namespace has its own');
  t.same(joined.launcherJoin, [
    { type: 'ipc', path: '/proc/9/ns/ipc' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'cgroup', path: '/proc/9/ns/cgroup' },
    { type: 'time', path: '/proc/9/ns/time' },
  ], 'in join order; nsenter joins them before the user namespace, or after it those it owns');
  t.same(joined.join, [{ type: 'mount', path: '/proc/9/ns/mnt' }], 'the mount namespace stays the init\'s, joined last');
  t.same(joined.create, ['uts']);
  t.same(joined.pid, { new: true }, 'a new pid namespace (made inside the user namespace by the launcher)');

  const holder = plan({ linux: { namespaces: [{ type: 'user' }, { type: 'network', path: '/run/netns/x' }],
    uidMappings: [{ containerID: 0, hostID: 100000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 10 }] } }).namespaces;
  t.same(holder.launcherJoin, [{ type: 'network', path: '/run/netns/x' }], 'a new user namespace too: the host\'s network namespace is joined before it');
  t.same(holder.join, []);
});

t.test('user namespace: a new one planned with its maps when both are given, refused without them; one by path with the maps given', async (t) => {
  const uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const gidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 1 }];
  const ns = plan({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'user' }], uidMappings, gidMappings } }).namespaces;
  t.same(ns.user, { uidMap: uidMappings, gidMap: gidMappings });
  t.same(ns.create, ['mount'], 'the init unshares the others; the user namespace is the runtime\'s to make');
  t.equal(ns.unshareFlags, CLONE_NEWNS);
  t.same(ns.pid, { new: true });
  t.equal(plan({ linux: { namespaces: [{ type: 'pid' }] } }).namespaces.user, undefined, 'none without a user namespace');
  t.same(plan({ linux: { namespaces: [{ type: 'user' }], uidMappings, gidMappings } }).dev.bindOnly, true, 'devices are bound');
  t.same(plan({ linux: { namespaces: [{ type: 'user', path: '/proc/1/ns/user' }], uidMappings, gidMappings } }).namespaces.user,
    { path: '/proc/1/ns/user', uidMap: uidMappings, gidMap: gidMappings }, 'by path, the maps given are kept for create to check');
  t.same(issues(t, { linux: { namespaces: [{ type: 'user', path: '/proc/1/ns/user' }], uidMappings: [{ containerID: 0, hostID: 1, size: 0 }] } }),
    ['/linux/uidMappings/0/size: must be at least 1'], 'by path, the maps given are checked');
  t.same(plan({ linux: { namespaces: [{ type: 'user', path: '/proc/1/ns/user' }] } }).dev.bindOnly, true, 'devices are bound in a joined one too');
  t.same(issues(t, { linux: { namespaces: [{ type: 'mount' }], uidMappings } }), ['/linux/uidMappings: needs a user namespace in linux.namespaces']);
  t.same(issues(t, { linux: { namespaces: [{ type: 'user' }], uidMappings: [], gidMappings } }),
    ['/linux/uidMappings: is required with a new user namespace (/linux/namespaces/0)']);
  t.same(issues(t, { linux: { namespaces: [{ type: 'user' }], uidMappings, gidMappings: [...gidMappings, { containerID: 5, hostID: 1, size: 0 }] } }),
    ['/linux/gidMappings/2/size: must be at least 1']);
  t.same(issues(t, { linux: { namespaces: [{ type: 'user' }], uidMappings: [...uidMappings, { containerID: 70000, hostID: 165535, size: 2 }], gidMappings } }),
    ['/linux/uidMappings/1: its hostID range overlaps /linux/uidMappings/0']);
});

t.test('devices: defaults unless listed, then linux.devices resolved; never /dev/ptmx', async (t) => {
  const dev = plan({ linux: { devices: [
    { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o100600 },
    { path: 'dev/sda', type: 'b', major: 8, minor: 0, uid: 5, gid: 6 },
    { path: '/run/fifo', type: 'p' },
    { path: '/dev/ptmx', type: 'c', major: 5, minor: 2 },
  ] } }).dev;
  t.same(dev.devices.map((d) => d.path), ['/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/null', '/dev/sda', '/run/fifo']);
  t.same(dev.devices.slice(5), [
    { path: '/dev/null', type: 'c', typeBits: S_IFCHR, major: 1, minor: 3, mode: 0o600, uid: 0, gid: 0 },
    { path: '/dev/sda', type: 'b', typeBits: S_IFBLK, major: 8, minor: 0, mode: 0o666, uid: 5, gid: 6 },
    { path: '/run/fifo', type: 'p', typeBits: S_IFIFO, major: 0, minor: 0, mode: 0o666, uid: 0, gid: 0 },
  ]);
  t.same(issues(t, { linux: { devices: [{ path: '/dev/x', type: 'q' as 'c' }] } }), ['/linux/devices/0/type: q is not a valid device type for device /dev/x']);
});

t.test('masked and read-only paths: container paths, each once', async (t) => {
  const p = plan({ linux: { maskedPaths: ['/proc/kcore', '/proc/kcore/', '//proc/kcore', 'proc/acpi'], readonlyPaths: ['/proc/sys', '/proc/sys'] } });
  t.same(p.maskedPaths, ['/proc/kcore', '/proc/acpi']);
  t.same(p.readonlyPaths, ['/proc/sys']);
});

t.test('sysctls: both spellings become a path under /proc/sys; a name that leaves it is refused', async (t) => {
  t.same(plan({ linux: { sysctl: { 'net.ipv4.ip_forward': '1', 'kernel/shmmax': '2', 'net.ipv4.conf.eth0/100.rp_filter': '0' } } }).sysctls, [
    { key: 'net.ipv4.ip_forward', path: 'net/ipv4/ip_forward', value: '1' },
    { key: 'kernel/shmmax', path: 'kernel/shmmax', value: '2' },
    { key: 'net.ipv4.conf.eth0/100.rp_filter', path: 'net/ipv4/conf/eth0.100/rp_filter', value: '0' },
  ]);
  for (const bad of ['', 'a..b', '.a', 'a.', '..', '/kernel/shmmax', 'kernel/', 'a/../b', 'a/./b']) {
    t.same(issues(t, { linux: { sysctl: { [bad]: '1' } } }), [`/linux/sysctl/${bad.replace(/~/g, '~0').replace(/\//g, '~1')}: invalid sysctl key ${JSON.stringify(bad)}`], JSON.stringify(bad));
  }
});

t.test('process: names become numbers, env is de-duplicated, errors at their pointers', async (t) => {
  const proc = plan({ process: {
    cwd: '/w', args: ['a', 'b'], terminal: true, consoleSize: { height: 24, width: 80 },
    env: ['A=1', 'B=2', 'A=3'],
    user: { uid: 1000, gid: 100, umask: 0o27, additionalGids: [5] },
    capabilities: { bounding: ['CAP_CHOWN', 'CAP_CHOWN', 'CAP_BOGUS', 'CAP_CHECKPOINT_RESTORE'], ambient: ['CAP_KILL'] },
    rlimits: [{ type: 'RLIMIT_CORE', soft: 1, hard: 2 }],
    noNewPrivileges: true, apparmorProfile: 'p', selinuxLabel: 'l', oomScoreAdj: -5,
    scheduler: { policy: 'SCHED_FIFO', priority: 3, flags: ['SCHED_FLAG_RESET_ON_FORK'] },
    ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 7 },
  } }, { lastCap: 39 }).process;
  t.same(proc, {
    args: ['a', 'b'], env: ['B=2', 'A=3'], cwd: '/w', terminal: true, consoleSize: { height: 24, width: 80 },
    uid: 1000, gid: 100, umask: 0o27, additionalGids: [5],
    capabilities: { bounding: [0], effective: [], permitted: [], inheritable: [], ambient: [5], unknown: ['CAP_BOGUS', 'CAP_CHECKPOINT_RESTORE'] },
    rlimits: [{ type: 'RLIMIT_CORE', resource: 4, soft: 1, hard: 2 }],
    noNewPrivileges: true, apparmorProfile: 'p', selinuxLabel: 'l', oomScoreAdj: -5,
    scheduler: { policy: 1, flags: 1, nice: 0, priority: 3, runtime: 0, deadline: 0, period: 0 },
    ioPriority: (3 << 13) | 7,
  });
  t.same(issues(t, { process: {
    cwd: '/', args: ['sh'], env: ['OK=1', 'NOEQUALS'],
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_NOFILE', soft: 2, hard: 2 }, { type: 'RLIMIT_FOO', soft: 1, hard: 1 }],
    scheduler: { policy: 'SCHED_NOPE' as 'SCHED_FIFO' },
    ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 9 },
    oomScoreAdj: 1.5,
  } }), [
    "/process/env/1: invalid environment variable: missing '='",
    '/process/rlimits/1/type: duplicate rlimit type RLIMIT_NOFILE',
    '/process/rlimits/2/type: unknown rlimit type "RLIMIT_FOO"',
    '/process/oomScoreAdj: invalid oomScoreAdj 1.5',
    '/process/scheduler/policy: unknown scheduler policy "SCHED_NOPE"',
    '/process/ioPriority: invalid ioprio priority 9: must be 0 to 7',
  ]);
  t.same(issues(t, { process: { cwd: '/', env: ['NOEQUALS', 'A=1', '=x'] } }), ['/process/env/2: invalid environment variable: name cannot be empty'],
    'the pointer is the entry the message is about (the list is read from the end)');
  t.same(issues(t, { process: undefined }), ['/process: is required']);
  t.equal(plan({ process: { cwd: '/', consoleSize: { height: 1, width: 1 } } }).process.consoleSize, undefined, 'no terminal, no size');
});

t.test('personality, time offsets, hostname, domainname and seccomp', async (t) => {
  const seccomp = { defaultAction: 'SCMP_ACT_ERRNO' as const, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' as const }] };
  const p = plan({
    hostname: 'h', domainname: 'd',
    linux: {
      personality: { domain: 'LINUX32', flags: ['F'] },
      timeOffsets: { monotonic: { secs: 5 }, boottime: { secs: 1, nanosecs: 2 } },
      seccomp,
    },
  });
  t.same(p.personality, { domain: 0x8, ignoredFlags: ['F'] });
  t.same(p.timeOffsets, [{ clock: 'monotonic', secs: 5, nanosecs: 0 }, { clock: 'boottime', secs: 1, nanosecs: 2 }]);
  t.same([p.hostname, p.domainname], ['h', 'd']);
  t.same(p.seccomp, seccomp);
  t.same(issues(t, { linux: { personality: { domain: 'LINUX64' as 'LINUX' } } }), ['/linux/personality/domain: unknown personality domain "LINUX64"']);
});

t.test('hooks: each stage with its state; withInitPid fills in the pid', async (t) => {
  const hook = { path: '/bin/true' };
  const p = plan({ hooks: { prestart: [hook], createContainer: [hook, hook], startContainer: [hook], poststop: [hook] } });
  t.same(Object.keys(p.hooks), ['prestart', 'createRuntime', 'createContainer', 'startContainer'], 'only the stages of create and start');
  t.same(p.hooks.createContainer.hooks, [hook, hook]);
  t.same(p.hooks.createRuntime.hooks, []);
  t.same(p.hooks.createContainer.state, { ociVersion: '1.3.0', id: 'c1', status: 'creating', bundle: '/b' });
  t.equal(p.hooks.startContainer.state.status, 'created');
  const withPid = withInitPid(p, 4242);
  t.same(Object.keys(withPid.hooks.startContainer.state), ['ociVersion', 'id', 'status', 'pid', 'bundle'], "runc's key order");
  for (const stage of Object.values(withPid.hooks)) t.equal(stage.state.pid, 4242);
  t.equal(p.hooks.prestart.state.pid, undefined, 'the plan itself is left as it was');
});

t.test('every problem at once, in one ConfigError', async (t) => {
  const err = t.throws(() => plan({
    mounts: [{ destination: '/v', type: 'bind', source: '/x', options: ['idmap'] }],
    linux: { devices: [{ path: '/dev/x', type: 'z' as 'c' }] },
    process: { cwd: '/', rlimits: [{ type: 'RLIMIT_X', soft: 0, hard: 0 }] },
  })) as ConfigError;
  t.match(err.message, /^invalid config\.json: \/mounts\/0\/options\/0: idmap needs the mount's uidMappings and gidMappings/);
  t.equal(err.issues.length, 3);
});

t.test('a runtime in a user namespace binds the devices too, as for a container with a user namespace of its own', async (t) => {
  const s = spec({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }] } });
  t.equal(planContainer(s, { ...OPTS, runtimeInUserNamespace: true }).dev.bindOnly, true);
  t.equal(planContainer(s, { ...OPTS, runtimeInUserNamespace: false }).dev.bindOnly, false);
  t.equal(planContainer(s, OPTS).dev.bindOnly, false);
});
