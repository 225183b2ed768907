// Semantic checks on values the kernel would misread: uid/gid range, NUL bytes, sysctl spellings, and
// schema messages that name the value.
import t from 'tap';
import type { Spec } from '../generated/config.js';
import type { ValidationIssue } from './errors.js';
import { exampleSpec } from './example-spec.js';
import { checkSemantics } from './semantic.js';
import { checkLinuxResources, checkSpec } from './validate.js';
import { sysctlDottedName, sysctlRelativePath } from './sysctl-name.js';

const lines = (issues: ValidationIssue[]): string[] => issues.map((i) => `${i.pointer}: ${i.message}`);
const check = (mutate: (s: Spec) => void): string[] => {
  const spec = exampleSpec({ rootless: false, cgroupNamespace: false });
  mutate(spec);
  const schemaIssues = checkSpec(spec);
  if (schemaIssues.length > 0) throw new Error(`test spec is not schema-valid: ${lines(schemaIssues).join('; ')}`);
  return lines(checkSemantics(spec));
};
const RANGE = 'uids and gids must be in range 0-2147483647';

t.test('process uid, gid and additional gids beyond 2147483647 are refused (4294967295 would mean "unchanged")', async (t) => {
  t.same(check((s) => (s.process!.user = { uid: 4294967295, gid: 0 })), [`/process/user/uid: 4294967295: ${RANGE}`]);
  t.same(check((s) => (s.process!.user = { uid: 0, gid: 2147483648 })), [`/process/user/gid: 2147483648: ${RANGE}`]);
  t.same(check((s) => (s.process!.user = { uid: 0, gid: 0, additionalGids: [5, 4294967295] })), [`/process/user/additionalGids/1: 4294967295: ${RANGE}`]);
  t.same(check((s) => (s.process!.user = { uid: 2147483647, gid: 2147483647, additionalGids: [2147483647] })), [], 'the largest id is fine');
});

t.test('user-namespace and mount id maps stay within 0-2147483647, end included', async (t) => {
  const userns = (s: Spec) => s.linux!.namespaces!.push({ type: 'user' });
  t.same(check((s) => {
    userns(s);
    s.linux!.uidMappings = [{ containerID: 0, hostID: 4294967295, size: 1 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 2147483647, size: 2 }, { containerID: 0, hostID: 1000, size: 0 }];
  }), [
    `/linux/uidMappings/0/hostID: 4294967295: ${RANGE}`,
    `/linux/gidMappings/0/size: hostID 2147483647 + size 2 goes past 2147483647: ${RANGE}`,
    '/linux/gidMappings/1/size: must be at least 1',
  ]);
  t.same(check((s) => {
    userns(s);
    s.linux!.uidMappings = [{ containerID: 0, hostID: 2147418112, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 2147418112, size: 65536 }];
  }), [], 'a range that ends at 2147483647 is fine');
  t.same(check((s) => {
    s.mounts!.push({ destination: '/m', source: '/src', type: 'bind', options: ['bind', 'idmap'],
      uidMappings: [{ containerID: 4294967294, hostID: 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: 0, size: 1 }] });
  }), [`/mounts/7/uidMappings/0/containerID: 4294967294: ${RANGE}`]);
});

t.test('a NUL in a string the kernel reads is refused at its pointer', async (t) => {
  t.same(check((s) => (s.mounts![1]!.options = ['nosuid', 'ro\u0000rw'])), ['/mounts/1/options/1: "ro\\u0000rw" contains a NUL byte']);
  t.same(check((s) => (s.mounts![1]!.options = ['mode=0700\u0000,exec'])), ['/mounts/1/options/0: "mode=0700\\u0000,exec" contains a NUL byte']);
  t.same(check((s) => {
    s.mounts![0]!.destination = '/proc\u0000x';
    s.hostname = 'a\u0000b';
    s.process!.args = ['sh', '-c\u0000'];
    s.process!.env = ['A=\u0000'];
    s.linux!.sysctl = { 'kernel.shm\u0000max': '1' };
  }), [
    '/process/args/1: "-c\\u0000" contains a NUL byte',
    '/process/env/0: "A=\\u0000" contains a NUL byte',
    '/hostname: "a\\u0000b" contains a NUL byte',
    '/mounts/0/destination: "/proc\\u0000x" contains a NUL byte',
    '/linux/sysctl/kernel.shm\u0000max: the name "kernel.shm\\u0000max" contains a NUL byte',
    '/linux/sysctl/kernel.shm\u0000max: sysctl "kernel.shm\\u0000max" is not in a separate kernel namespace',
  ]);
  t.same(check((s) => (s.annotations = { note: 'a\u0000b' })), [], 'annotations are not passed to the kernel');
});

t.test('the sysctl slash spelling is the dotted one', async (t) => {
  t.equal(sysctlDottedName('kernel/shmmax'), 'kernel.shmmax');
  t.equal(sysctlDottedName('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  t.equal(sysctlDottedName('kernel.shmmax'), 'kernel.shmmax');
  t.equal(sysctlRelativePath('kernel.shmmax'), 'kernel/shmmax');
  t.equal(sysctlRelativePath('kernel/shmmax'), 'kernel/shmmax');
  t.same(check((s) => (s.linux!.sysctl = { 'kernel/shmmax': '1', 'fs/mqueue/msg_max': '20' })), [], 'IPC sysctls with an IPC namespace');
  t.same(check((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((ns) => ns.type !== 'ipc' && ns.type !== 'network');
    s.linux!.sysctl = { 'kernel/shmmax': '1', 'net/ipv4/ip_forward': '1', 'vm/swappiness': '1' };
  }), [
    '/linux/sysctl/kernel~1shmmax: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace',
    '/linux/sysctl/net~1ipv4~1ip_forward: sysctl "net.ipv4.ip_forward" not allowed in host network namespace',
    '/linux/sysctl/vm~1swappiness: sysctl "vm.swappiness" is not in a separate kernel namespace',
  ]);
  t.same(check((s) => (s.linux!.sysctl = { 'kernel/../x': '1', 'kernel//shmmax': '1' })), [
    '/linux/sysctl/kernel~1..~1x: invalid sysctl name "kernel/../x"',
    '/linux/sysctl/kernel~1~1shmmax: invalid sysctl name "kernel//shmmax"',
  ]);
});

t.test('an unknown constant is named in the message', async (t) => {
  const spec = exampleSpec({ rootless: false, cgroupNamespace: false }) as any;
  spec.linux.seccomp = { defaultAction: 'SCMP_ACT_NO_SUCH_ACTION', architectures: ['SCMP_ARCH_NOPE'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALOW' }] };
  const got = lines(checkSpec(spec));
  t.match(got, [
    /^\/linux\/seccomp\/defaultAction: unknown value "SCMP_ACT_NO_SUCH_ACTION": must be one of SCMP_ACT_KILL, .*SCMP_ACT_ALLOW/,
    /^\/linux\/seccomp\/architectures\/0: unknown value "SCMP_ARCH_NOPE": must be one of SCMP_ARCH_X86, /,
    /^\/linux\/seccomp\/syscalls\/0\/action: unknown value "SCMP_ACT_ALOW": must be one of /,
  ]);
  t.equal(got.length, 3);
  spec.linux.seccomp = undefined;
  spec.linux.namespaces[0].type = 'bogus';
  t.same(lines(checkSpec(spec)), ['/linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time'], 'short lists keep their wording');
  t.match(lines(checkLinuxResources({ devices: [{ allow: true, type: 'q' }] })), [/^\/devices\/0\/type: /]);
});
