import t from 'tap';
import type { Spec } from '../generated/config.js';
import type { ValidationIssue } from './errors.js';
import { exampleSpec } from './example-spec.js';
import { checkSemantics, semanticWarnings, type SemanticOptions } from './semantic.js';
import { checkSpec } from './validate.js';

const lines = (issues: ValidationIssue[]): string[] => issues.map((i) => `${i.pointer}: ${i.message}`);

/** runc's example, without a cgroup namespace so the result does not depend on the host. */
const base = (): Spec => exampleSpec({ rootless: false, cgroupNamespace: false });
const withNamespaces = (spec: Spec, ...types: string[]): Spec => {
  spec.linux!.namespaces = types.map((type) => ({ type }) as any);
  return spec;
};
const check = (mutate: (s: Spec) => void, options?: SemanticOptions): string[] => {
  const spec = base();
  mutate(spec);
  // Semantic checks run on schema-valid documents only; a test case that breaks the schema is a test bug.
  const schemaIssues = checkSpec(spec);
  if (schemaIssues.length > 0) throw new Error(`test spec is not schema-valid: ${lines(schemaIssues).join('; ')}`);
  return lines(checkSemantics(spec, options));
};

t.test('runc example spec passes', async (t) => {
  t.same(checkSemantics(base()), []);
  t.same(checkSemantics(exampleSpec({ rootless: false, cgroupNamespace: true })), []);
});

t.test('process is required for create', async (t) => {
  t.same(check((s) => delete s.process), ['/process: is required']);
});

t.test('Linux rules still apply to a document with a windows object', async (t) => {
  const spec: Spec = { ociVersion: '1.3.0', process: { cwd: 'C:\\' }, windows: { layerFolders: ['C:\\l'] } };
  t.same(lines(checkSemantics(spec)), ['/root: is required', '/process/args: must have at least 1 item', '/process/cwd: must be an absolute path']);
});

t.test('hostname and domainname need a UTS namespace', async (t) => {
  t.same(
    check((s) => {
      withNamespaces(s, 'pid', 'mount');
      s.domainname = 'example.org';
    }),
    ['/hostname: unable to set hostname without a private UTS namespace', '/domainname: unable to set domainname without a private UTS namespace'],
  );
  t.same(check((s) => withNamespaces(s, 'pid', 'mount', 'uts')), [], 'fine with uts');
  t.same(check((s) => { withNamespaces(s, 'mount'); s.hostname = ''; }), [], 'an empty hostname sets nothing');
});

t.test('namespaces', async (t) => {
  t.same(check((s) => withNamespaces(s, 'pid', 'mount', 'uts', 'pid')), ['/linux/namespaces/3/type: duplicate namespace pid (first at /linux/namespaces/0)']);
  t.same(check((s) => withNamespaces(s, 'mount', 'uts', 'user')), [
    '/linux/uidMappings: is required with a new user namespace (/linux/namespaces/2)',
    '/linux/gidMappings: is required with a new user namespace (/linux/namespaces/2)',
  ], 'a new user namespace needs both maps');
  t.same(
    check((s) => (s.linux!.namespaces = [{ type: 'uts' }, { type: 'mount' }, { type: 'time', path: '/proc/1/ns/time' }])),
    [], 'joining a time namespace is fine',
  );
  t.same(check((s) => (s.linux!.namespaces = [{ type: 'uts' }, { type: 'mount', path: '/proc/1/ns/mnt' }])), [], 'joining mount is fine');
  t.same(check((s) => (s.linux!.namespaces = [{ type: 'uts' }])), [
    '/linux/maskedPaths: unable to restrict sys entries without a private MNT namespace',
    '/linux/readonlyPaths: unable to restrict sys entries without a private MNT namespace',
  ], 'without a mount namespace, only the masked and read-only paths are refused (as runc)');
  t.same(check((s) => {
    s.linux!.namespaces = [{ type: 'uts' }];
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
  }), [], 'a container without a mount namespace is accepted');
  t.same(check((s) => (s.linux!.namespaces = [{ type: 'uts' }, { type: 'mount' }, { type: 'pid', path: '/proc/1/ns/pid' }])), [], 'joining pid is fine');
  t.same(
    check((s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])),
    ['/linux/uidMappings: needs a user namespace in linux.namespaces'],
  );
  t.same(check((s) => withNamespaces(s, 'uts')), [
    '/linux/maskedPaths: unable to restrict sys entries without a private MNT namespace',
    '/linux/readonlyPaths: unable to restrict sys entries without a private MNT namespace',
  ]);
});

t.test('sysctls need the namespace that isolates them', async (t) => {
  const sysctl = (values: Record<string, string>, ...ns: string[]) => (s: Spec) => {
    if (ns.length) withNamespaces(s, 'mount', 'uts', ...ns);
    s.linux!.sysctl = values;
  };
  t.same(check(sysctl({ 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1', 'fs.mqueue.queues_max': '1' })), []);
  t.same(check(sysctl({ 'net.ipv4.ip_forward': '1' }, 'ipc')), [
    '/linux/sysctl/net.ipv4.ip_forward: sysctl "net.ipv4.ip_forward" not allowed in host network namespace',
  ]);
  t.same(check(sysctl({ 'kernel.msgmax': '1', 'fs.mqueue.msg_max': '1' }, 'network')), [
    '/linux/sysctl/kernel.msgmax: sysctl "kernel.msgmax" is not allowed in the hosts ipc namespace',
    '/linux/sysctl/fs.mqueue.msg_max: sysctl "fs.mqueue.msg_max" is not allowed in the hosts ipc namespace',
  ]);
  t.same(check(sysctl({ 'kernel.domainname': 'x' })), [], 'kernel.domainname is namespaced by uts');
  t.same(check(sysctl({ 'kernel.hostname': 'x' })), [
    '/linux/sysctl/kernel.hostname: sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field',
  ]);
  t.same(check(sysctl({ 'kernel.core_pattern': '|/x', 'vm.swappiness': '1' })), [
    '/linux/sysctl/kernel.core_pattern: sysctl "kernel.core_pattern" is not in a separate kernel namespace',
    '/linux/sysctl/vm.swappiness: sysctl "vm.swappiness" is not in a separate kernel namespace',
  ]);
  t.same(check(sysctl({ 'net..ipv4': '1', 'net/../../kernel/x': '1', '.net': '1' })), [
    '/linux/sysctl/net..ipv4: invalid sysctl name "net..ipv4"',
    '/linux/sysctl/net~1..~1..~1kernel~1x: invalid sysctl name "net/../../kernel/x"',
    '/linux/sysctl/.net: invalid sysctl name ".net"',
  ]);
});

t.test('net.* sysctls and a joined network namespace', async (t) => {
  const joined = (s: Spec) => {
    s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/run/netns/x' }];
    s.linux!.sysctl = { 'net.core.somaxconn': '256' };
  };
  const seen: string[] = [];
  t.same(check(joined, { isHostNetns: (p) => (seen.push(p), false) }), []);
  t.same(seen, ['/run/netns/x']);
  t.same(check(joined, { isHostNetns: () => true }), [
    '/linux/sysctl/net.core.somaxconn: sysctl "net.core.somaxconn" not allowed in host network namespace',
  ]);
  const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', syscall: 'stat', path: '/run/netns/x' });
  t.same(check(joined, { isHostNetns: () => { throw enoent; } }), ['/linux/namespaces/2/path: invalid netns path: stat /run/netns/x: ENOENT']);
  // The default check compares with this process's own network namespace.
  t.same(
    check((s) => {
      s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/proc/self/ns/net' }];
      s.linux!.sysctl = { 'net.core.somaxconn': '256' };
    }),
    ['/linux/sysctl/net.core.somaxconn: sysctl "net.core.somaxconn" not allowed in host network namespace'],
  );
});

t.test('time offsets need a new time namespace', async (t) => {
  const offsets = { monotonic: { secs: 10 } };
  t.same(check((s) => (s.linux!.timeOffsets = offsets)), ['/linux/timeOffsets: needs a time namespace in linux.namespaces']);
  t.same(check((s) => { s.linux!.namespaces!.push({ type: 'time' }); s.linux!.timeOffsets = offsets; }), []);
  t.same(check((s) => { s.linux!.namespaces!.push({ type: 'time', path: '/proc/1/ns/time' }); s.linux!.timeOffsets = offsets; }), [
    '/linux/timeOffsets: cannot be applied to an existing time namespace (linux.namespaces has a path for time)',
  ]);
});

t.test('network devices', async (t) => {
  t.same(check((s) => (s.linux!.netDevices = { eth0: { name: 'ceth%d' } })), []);
  t.same(check((s) => { withNamespaces(s, 'mount', 'uts'); s.linux!.netDevices = { eth0: {} }; }), ['/linux/netDevices: needs a private network namespace']);
  t.same(check((s) => (s.linux!.netDevices = { 'eth:0': {}, eth1: { name: 'a-very-long-interface-name' }, '..': {} })), [
    '/linux/netDevices/eth:0: invalid network device name "eth:0"',
    '/linux/netDevices/eth1/name: invalid network device name "a-very-long-interface-name"',
    '/linux/netDevices/..: invalid network device name ".."',
  ]);
});

t.test('mounts', async (t) => {
  t.same(check((s) => s.mounts!.push({ destination: '' })), ['/mounts/7/destination: must not be empty']);
  t.same(check((s) => s.mounts!.push({ destination: 'data', source: '/d', options: ['rbind'] })), [], 'relative destinations are only deprecated');
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  t.same(check((s) => s.mounts!.push({ destination: '/d', source: '/d', options: ['rbind', 'ridmap'], uidMappings: map, gidMappings: map })), []);
});

t.test('rlimits', async (t) => {
  t.same(
    check((s) =>
      s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_FOO', soft: 1, hard: 1 }, { type: 'RLIMIT_CORE', soft: 2, hard: 1 }),
    ),
    [
      '/process/rlimits/1/type: duplicate rlimit RLIMIT_NOFILE (first at /process/rlimits/0)',
      '/process/rlimits/2/type: unknown rlimit "RLIMIT_FOO"',
      '/process/rlimits/3/soft: must not exceed hard (1)',
    ],
  );
});

t.test('scheduler and I/O priority', async (t) => {
  t.same(check((s) => (s.process!.scheduler = { policy: 'SCHED_OTHER', nice: 20 })), ['/process/scheduler/nice: must be between -20 and 19 for SCHED_OTHER']);
  t.same(check((s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', priority: 5 })), ['/process/scheduler/priority: can only be set for SCHED_FIFO or SCHED_RR']);
  t.same(check((s) => (s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 5, runtime: 10 })), ['/process/scheduler/runtime: can only be set for SCHED_DEADLINE']);
  t.same(check((s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30 })), []);
  t.same(check((s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 })), ['/process/ioPriority/priority: must be between 0 and 7']);
  t.same(check((s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 7 })), []);
});

t.test('seccomp errno only with actions that return one', async (t) => {
  t.same(
    check((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1, syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }, { names: ['y'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] })),
    [
      '/linux/seccomp/defaultErrnoRet: cannot be used with defaultAction SCMP_ACT_KILL (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
      '/linux/seccomp/syscalls/0/errnoRet: cannot be used with action SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
    ],
  );
});

t.test('seccomp notify is refused; argument indexes stop at 5', async (t) => {
  t.same(
    check((s) => (s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: '/run/agent.sock',
      syscalls: [
        { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 6, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    })),
    [
      '/linux/seccomp/listenerPath: seccomp notify listeners are not supported by ocirt',
      '/linux/seccomp/syscalls/0/action: SCMP_ACT_NOTIFY is not supported by ocirt (no seccomp agent handoff)',
      '/linux/seccomp/syscalls/1/args/1/index: must be less than 6 (a syscall has at most 6 arguments)',
    ],
  );
  t.same(check((s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' })), [
    '/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY is not supported by ocirt (no seccomp agent handoff)',
  ]);
});

t.test('intelRdt closID and memory policy', async (t) => {
  t.same(check((s) => (s.linux!.intelRdt = { closID: '/' })), [], '"/" is the default group');
  t.same(check((s) => (s.linux!.intelRdt = { closID: '../x' })), ['/linux/intelRdt/closID: invalid closID "../x"']);
  t.same(check((s) => (s.linux!.intelRdt = { closID: '..' })), ['/linux/intelRdt/closID: invalid closID ".."']);
  t.same(check((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1,3' })), []);
  t.same(check((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND' })), ['/linux/memoryPolicy/nodes: is required for MPOL_BIND']);
  t.same(check((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' })), ['/linux/memoryPolicy/nodes: must be empty for MPOL_LOCAL']);
  t.same(check((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED', nodes: 'zero' })), ['/linux/memoryPolicy/nodes: must be a node list such as 0-3,7']);
  t.same(
    check((s) => (s.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] })),
    ['/linux/memoryPolicy/flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined'],
  );
});

t.test('spec version', async (t) => {
  t.same(check((s) => (s.ociVersion = '1.0.2-dev')), []);
  t.same(check((s) => (s.ociVersion = '0.5.0-dev')), [], 'runc accepts pre-1.0 configs');
  t.same(check((s) => (s.ociVersion = '2.0.0')), ['/ociVersion: runtime-spec 2.0.0 is not supported (ocirt implements 1.x, up to 1.3.0)']);
});

t.test('user namespaces: a new one with both maps, one by path with or without maps; maps without overlaps', async (t) => {
  const spec = exampleSpec({ rootless: true, cgroupNamespace: false, hostUid: 1000, hostGid: 1000 });
  t.same(lines(checkSemantics(spec)), [], 'the rootless example (a new user namespace with its maps) passes');
  const map = (...ranges: [number, number, number][]) => ranges.map(([containerID, hostID, size]) => ({ containerID, hostID, size }));
  const withUser = (s: Spec, user: { path?: string }) => {
    s.linux!.namespaces!.push({ type: 'user', ...user });
    s.linux!.uidMappings = map([0, 100000, 65536]);
    s.linux!.gidMappings = map([0, 100000, 65536]);
  };
  t.same(check((s) => withUser(s, {})), [], 'both maps given');
  t.same(check((s) => withUser(s, { path: '/proc/1/ns/user' })), [], 'by path with maps (create checks them against the namespace\'s)');
  t.same(check((s) => { withUser(s, { path: '/proc/1/ns/user' }); delete s.linux!.uidMappings; delete s.linux!.gidMappings; }), [], 'by path without maps');
  t.same(check((s) => { withUser(s, { path: '/proc/1/ns/user' }); s.linux!.uidMappings = map([0, 2147483647, 2]); }),
    ['/linux/uidMappings/0/size: hostID 2147483647 + size 2 goes past 2147483647: uids and gids must be in range 0-2147483647'], 'by path, given maps are still checked for range');
  t.same(check((s) => { withUser(s, {}); s.linux!.gidMappings = []; }), ['/linux/gidMappings: is required with a new user namespace (/linux/namespaces/5)']);
  t.same(check((s) => {
    withUser(s, {});
    s.linux!.uidMappings = map([0, 100000, 1000], [999, 200000, 10], [2000, 100500, 1]);
    s.linux!.gidMappings = map([0, 100000, 1000], [1000, 101000, 1000]);
  }), [
    '/linux/uidMappings/1: its containerID range overlaps /linux/uidMappings/0',
    '/linux/uidMappings/2: its hostID range overlaps /linux/uidMappings/0',
  ], 'ranges that only touch are fine');
  t.same(check((s) => { withUser(s, {}); s.linux!.uidMappings = map(...Array.from({ length: 341 }, (_, i): [number, number, number] => [i, 100000 + i, 1])); }),
    ['/linux/uidMappings: 341 ranges: the kernel takes at most 340']);
});

t.test('warnings', async (t) => {
  const spec = base();
  spec.mounts!.push({ destination: 'data' });
  spec.process!.capabilities!.ambient = ['CAP_NET_BIND_SERVICE', 'CAP_WHATEVER'];
  t.same(lines(semanticWarnings(spec)), [
    '/mounts/7/destination: relative mount destination "data" is deprecated; it is taken relative to /',
    '/process/capabilities/ambient/1: unknown capability "CAP_WHATEVER" is ignored',
  ]);
  t.same(semanticWarnings(base()), []);
  const joined = base();
  joined.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' });
  joined.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  t.same(lines(semanticWarnings(joined)), [
    '/linux/uidMappings: has no use with a user namespace joined by path (/linux/namespaces/5): give one or the other',
  ], 'maps beside a user namespace path (as runc, which warns when they match and refuses them when not)');
});
