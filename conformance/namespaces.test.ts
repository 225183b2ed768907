// Namespaces (config-linux.md "Namespaces", "Offset for Time Namespace"): a listed namespace
// without a path is new (its /proc/self/ns inode differs from the host's), one with a path is
// joined (its inode equals the target's), and an unlisted one is inherited from the runtime.
//
// Where runc may differ: none in what is checked here. runc 1.1.5 does not know the time
// namespace (added in runc 1.2) and rejects the config; see subjectLacks() in helpers.ts.
// Joining a mount namespace by path is not exercised: the runtime would then build the rootfs
// inside that namespace, which for any namespace we could offer is the host's copy.

import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import {
  assertSameAsReference,
  hostNsInode,
  nsInode,
  observe,
  observeBoth,
  requireTool,
  setupSuite,
  sh,
  SUBJECT,
  hostMount,
  tempDir,
  subjectLacks,
  trackProcess,
  waitFor,
  type Observation,
  type SpecPatch,
} from './helpers.js';
import type { SpecNamespace } from './base-config.js';

setupSuite(t);

const KINDS = ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup', 'time', 'user'] as const;
const PRINT_NS = `for n in ${KINDS.join(' ')}; do echo "$n $(readlink /proc/self/ns/$n)"; done`;

/** Turn "kind link" lines into "kind host|holder|new" so runs can be compared. */
function classifyNs(holderPid?: number) {
  return (text: string, _obs: Observation): string =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [kind, link] = line.split(' ');
        if (!/^\w+:\[\d+\]$/.test(link ?? '')) return line;
        const inode = nsInode(link);
        if (inode === hostNsInode(kind)) return `${kind} host`;
        if (holderPid !== undefined && inode === hostNsInode(kind, holderPid)) return `${kind} holder`;
        return `${kind} new`;
      })
      .join('\n') + '\n';
}

const withNamespaces =
  (types: SpecNamespace['type'][], extra?: SpecPatch): SpecPatch =>
  (spec, ctx) => {
    spec.linux!.namespaces = types.map((type) => ({ type }));
    if (!types.includes('uts')) delete spec.hostname; // a hostname needs a UTS namespace
    return extra?.(spec, ctx);
  };

t.test('the default namespaces are new, the others are the host\'s', async (t) => {
  const both = await observeBoth(undefined, PRINT_NS, { rootfs: 'shared', normalize: classifyNs() });
  t.equal(both.ocirt.status, 0);
  t.equal(
    both.ocirt.stdout,
    'pid new\nnet new\nipc new\nuts new\nmnt new\ncgroup host\ntime host\nuser host\n',
  );
  assertSameAsReference(t, both);
});

t.test('a new network namespace has its loopback up, and only that', async (t) => {
  const both = await observeBoth(undefined, '/sbin/ip -o link show | sed "s/ mtu.*//"', { rootfs: 'shared' });
  t.equal(both.ocirt.status, 0);
  t.equal(both.ocirt.stdout, '1: lo: <LOOPBACK,UP,LOWER_UP>\n');
  assertSameAsReference(t, both);
});

t.test('a cgroup namespace is created when listed', async (t) => {
  const both = await observeBoth(withNamespaces(['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']), PRINT_NS, {
    rootfs: 'shared',
    normalize: classifyNs(),
  });
  t.match(both.ocirt.stdout, /^cgroup new$/m);
  t.match(both.ocirt.stdout, /^time host$/m);
  assertSameAsReference(t, both);
});

t.test('only a mount namespace: everything else is shared with the host', async (t) => {
  const both = await observeBoth(withNamespaces(['mount']), PRINT_NS, { rootfs: 'shared', normalize: classifyNs() });
  t.equal(both.ocirt.status, 0);
  t.equal(
    both.ocirt.stdout,
    'pid host\nnet host\nipc host\nuts host\nmnt new\ncgroup host\ntime host\nuser host\n',
  );
  assertSameAsReference(t, both);
});

t.test('in a new PID namespace the process is PID 1; the UTS namespace has the hostname', async (t) => {
  const both = await observeBoth(undefined, 'echo "pid=$$"; hostname', { rootfs: 'shared' });
  t.equal(both.ocirt.stdout, 'pid=1\nocirt-test\n');
  assertSameAsReference(t, both);
  t.not(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), 'ocirt-test', 'the host hostname is untouched');
});

t.test('namespaces given by path are joined', async (t) => {
  requireTool('unshare');
  // A holder process with its own namespaces; --kill-child takes its sleeping child down with it.
  const holder = trackProcess(
    spawn('unshare', ['--net', '--ipc', '--uts', '--cgroup', '--pid', '--fork', '--kill-child', 'sleep', '600'], {
      stdio: 'ignore',
    }),
  );
  // The sleep (PID 1 of the holder's PID namespace) is the child of unshare.
  const target = await waitFor('the namespace holder to fork', () => {
    try {
      const kids = fs.readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim();
      return kids ? Number(kids.split(' ')[0]) : 0;
    } catch {
      return 0;
    }
  });
  const joined: SpecNamespace['type'][] = ['pid', 'network', 'ipc', 'uts', 'cgroup'];
  const kindOf: Record<string, string> = { pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup' };
  const patch: SpecPatch = (spec) => {
    spec.linux!.namespaces = [
      ...joined.map((type) => ({ type, path: `/proc/${target}/ns/${kindOf[type]}` })),
      { type: 'mount' as const },
    ];
  };
  const both = await observeBoth(patch, `${PRINT_NS}; echo "pid-is-1=$([ $$ = 1 ] && echo yes || echo no)"`, {
    rootfs: 'shared',
    normalize: classifyNs(target),
  });
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(
    both.ocirt.stdout,
    'pid holder\nnet holder\nipc holder\nuts holder\nmnt new\ncgroup holder\ntime host\nuser host\npid-is-1=no\n',
  );
  assertSameAsReference(t, both);
});

t.test('time namespace with timeOffsets', async (t) => {
  const patch: SpecPatch = (spec) => {
    spec.linux!.namespaces!.push({ type: 'time' });
    spec.linux!.timeOffsets = { monotonic: { secs: 86400, nanosecs: 0 }, boottime: { secs: 172800, nanosecs: 0 } };
  };
  const cmd = `${PRINT_NS}; cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime`;
  const obs = await observe(SUBJECT, patch, cmd, { rootfs: 'shared', normalize: classifyNs() });
  if (await subjectLacks('timeNamespace')) {
    t.not(obs.status, 0, 'runc 1.1 rejects the time namespace (known gap; runc >= 1.2 supports it)');
    return;
  }
  t.equal(obs.status, 0, obs.stderr);
  t.match(obs.stdout, /^time new$/m, 'a new time namespace');
  t.match(obs.stdout, /^monotonic\s+86400\s+0$/m, 'monotonic offset');
  t.match(obs.stdout, /^boottime\s+172800\s+0$/m, 'boottime offset');
  const uptime = Number(obs.stdout.trim().split('\n').at(-1));
  t.ok(uptime >= 172800, `uptime ${uptime} includes the boottime offset`);
});

// Unlisted namespaces are inherited: without a mount namespace both runtimes run the
// container chrooted in the host's. runc leaves its mounts (proc, dev, sys, ...) in the
// host's table after delete, and makes every host mount a slave (MS_SLAVE|MS_REC on /),
// which turns the shared mounts other tests make at the same time private. Those are
// runc's bugs: runc runs in a scratch copy of the host's mount table (unshare), and
// "nothing left" is checked for ocirt only.
t.test('a config without a mount namespace runs, and ocirt leaves no mount behind', async (t) => {
  const patch: SpecPatch = (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'mount');
    delete s.linux!.maskedPaths; // both refuse these without a mount namespace
    delete s.linux!.readonlyPaths;
  };
  const mountsUnder = (dir: string) =>
    fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`));
  // A shared mount of the host's, as other tests make: it must stay shared.
  const probe = await tempDir('shared-probe');
  await hostMount(['-t', 'tmpfs', 'tmpfs'], probe);
  await sh('mount', '--make-shared', probe);
  const propagation = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === probe)?.split(' ')[6];
  const both = await observeBoth(patch, 'echo hello; ls /proc/self >/dev/null && echo proc', {
    referencePrefix: ['unshare', '--mount', '--propagation', 'unchanged'],
  });
  try {
    t.equal(both.ocirt.stdout, 'hello\nproc\n', `ocirt ran it: ${both.ocirt.stderr}`);
    assertSameAsReference(t, both);
    t.same(mountsUnder(both.ocirt.bundle.rootfs), [], 'ocirt: no mount left under the rootfs');
    t.match(propagation(), /^shared:/, "the host's shared mounts are still shared");
  } finally {
    // runc's leftovers in the host's table.
    if (mountsUnder(both.runc.bundle.rootfs).length > 0) await sh('umount', '-R', '-l', both.runc.bundle.rootfs);
  }
});

// A user namespace given by path, with the network and IPC namespaces it owns, as a second
// container joins a first's. runc 1.1 needs the namespace's maps in the config beside the
// path (runc 1.2 takes them when they match); both runtimes get them.
t.test('a user namespace given by path is joined with the network and IPC namespaces it owns', async (t) => {
  requireTool('unshare');
  // The user namespace is made first by the one unshare(2), so it owns the others.
  const holder = trackProcess(spawn('unshare', ['--user', '--net', '--ipc', 'sleep', '600'], { stdio: 'ignore' }));
  const own = fs.readlinkSync('/proc/self/ns/user');
  await waitFor('the holder\'s user namespace', () => {
    try {
      return fs.readlinkSync(`/proc/${holder.pid}/ns/user`) !== own;
    } catch {
      return false;
    }
  });
  fs.writeFileSync(`/proc/${holder.pid}/uid_map`, '0 100000 65536\n');
  fs.writeFileSync(`/proc/${holder.pid}/setgroups`, 'allow');
  fs.writeFileSync(`/proc/${holder.pid}/gid_map`, '0 100000 65536\n');
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const patch: SpecPatch = (spec) => {
    spec.linux!.namespaces = [
      { type: 'pid' }, { type: 'mount' }, { type: 'uts' },
      { type: 'user', path: `/proc/${holder.pid}/ns/user` },
      { type: 'network', path: `/proc/${holder.pid}/ns/net` },
      { type: 'ipc', path: `/proc/${holder.pid}/ns/ipc` },
    ];
    spec.linux!.uidMappings = map;
    spec.linux!.gidMappings = map;
  };
  const both = await observeBoth(patch, `id -u; cat /proc/self/uid_map /proc/self/gid_map; ${PRINT_NS}`, {
    rootfs: 'shared',
    normalize: classifyNs(holder.pid),
  });
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(
    both.ocirt.stdout.replace(/[ \t]+/g, ' '),
    '0\n 0 100000 65536\n 0 100000 65536\npid new\nnet holder\nipc holder\nuts new\nmnt new\ncgroup host\ntime host\nuser holder\n',
  );
  assertSameAsReference(t, both);
});

t.test('a new user namespace: the container\'s root is the mapped host id, inside and on a bind mount, as in runc', async (t) => {
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  // One host directory per runtime, owned by the mapped root, bound at /mnt.
  const out = { ocirt: await tempDir('userns-out'), runc: await tempDir('userns-out') };
  for (const dir of Object.values(out)) fs.chownSync(dir, 100000, 100000);
  const patch: SpecPatch = (spec, { runtime }) => {
    spec.linux!.namespaces = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }, { type: 'user' }];
    spec.linux!.uidMappings = map;
    spec.linux!.gidMappings = map;
    spec.mounts!.push({ destination: '/mnt', type: 'bind', source: out[runtime as 'ocirt' | 'runc'], options: ['rbind', 'rw'] });
  };
  const cmd = `id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; stat -c '%u %g' / /mnt; touch /mnt/made; ${PRINT_NS}`;
  const both = await observeBoth(patch, cmd, { rootfs: 'shared', normalize: classifyNs() });
  t.equal(both.ocirt.status, 0, both.ocirt.stderr);
  t.equal(
    both.ocirt.stdout.replace(/[ \t]+/g, ' '),
    '0\n0\n 0 100000 65536\n 0 100000 65536\nallow\n65534 65534\n0 0\npid new\nnet new\nipc new\nuts new\nmnt new\ncgroup host\ntime host\nuser new\n',
    'root inside, the config\'s maps, setgroups allowed, the host\'s root unmapped, the bind mount\'s owner is the container\'s root',
  );
  assertSameAsReference(t, both);
  for (const runtime of ['ocirt', 'runc'] as const) {
    const st = fs.statSync(`${out[runtime]}/made`);
    t.same([st.uid, st.gid], [100000, 100000], `${runtime}: a file the container makes is the mapped host ids' on the host`);
  }
});
