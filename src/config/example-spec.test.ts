import t from 'tap';
import { exampleSpec } from './example-spec.js';
import { OCI_VERSION } from '../oci-version.js';
import { checkSpec } from './validate.js';

t.test('runc spec layout with our hostname and spec version', async (t) => {
  const spec = exampleSpec({ rootless: false, cgroupNamespace: false });
  t.equal(spec.ociVersion, '1.3.0');
  t.equal(OCI_VERSION, '1.3.0');
  t.equal(spec.hostname, 'ocirt');
  t.same(spec.root, { path: 'rootfs', readonly: true });
  t.same(spec.process?.args, ['sh']);
  t.same(spec.process?.capabilities?.bounding, ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
  t.same(spec.process?.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
  t.same(spec.mounts?.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']);
  t.same(spec.linux?.namespaces?.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  t.same(spec.linux?.resources, { devices: [{ allow: false, access: 'rwm' }] });
  // Key order follows the Go structs, so `JSON.stringify` reads like runc's output.
  t.same(Object.keys(spec), ['ociVersion', 'process', 'root', 'hostname', 'mounts', 'linux']);
  t.same(Object.keys(spec.process!), ['terminal', 'user', 'args', 'env', 'cwd', 'capabilities', 'rlimits', 'noNewPrivileges']);
  t.same(checkSpec(spec), []);
});

t.test('cgroup namespace on cgroup v2 hosts', async (t) => {
  t.same(exampleSpec({ rootless: false, cgroupNamespace: true }).linux?.namespaces?.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']);
  t.ok(Array.isArray(exampleSpec({ rootless: false }).linux?.namespaces), 'detects the host when not told');
});

t.test('rootless', async (t) => {
  const spec = exampleSpec({ rootless: true, cgroupNamespace: false, hostUid: 1000, hostGid: 1001 });
  t.same(Object.keys(spec.linux!), ['uidMappings', 'gidMappings', 'namespaces', 'maskedPaths', 'readonlyPaths']);
  t.same(spec.linux?.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  t.same(spec.linux?.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  t.same(spec.linux?.namespaces?.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'user']);
  t.equal(spec.linux?.resources, undefined, 'no cgroup settings');
  t.same(spec.mounts?.find((m) => m.destination === '/sys'), {
    destination: '/sys',
    type: 'none',
    source: '/sys',
    options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
  });
  t.same(spec.mounts?.find((m) => m.destination === '/dev/pts')?.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620']);
  t.same(checkSpec(spec), []);
  const own = exampleSpec({ rootless: true, cgroupNamespace: false });
  t.equal(own.linux?.uidMappings?.[0]?.hostID, process.geteuid!());
});

t.test('each call returns a fresh object', async (t) => {
  const a = exampleSpec({ rootless: false, cgroupNamespace: false });
  a.process!.capabilities!.bounding!.push('CAP_SYS_ADMIN');
  a.mounts!.pop();
  const b = exampleSpec({ rootless: false, cgroupNamespace: false });
  t.equal(b.process?.capabilities?.bounding?.length, 3);
  t.equal(b.mounts?.length, 7);
});
