// The features document's linux.seccomp: what libseccomp on this machine can do, in the
// features schema's layout.
import t from 'tap';
import { features } from './features.js';
import { checkFeatures } from '../../config/validate.js';

t.test('features: linux.seccomp is enabled and lists actions, operators, archs and flags', async (t) => {
  const doc = features() as { linux: { seccomp: Record<string, string[] | boolean> }; annotations: Record<string, string> };
  t.same(checkFeatures(doc), [], 'valid against the features schema');
  const sc = doc.linux.seccomp;
  t.equal(sc.enabled, true);
  t.ok((sc.actions as string[]).includes('SCMP_ACT_ERRNO'));
  t.notOk((sc.actions as string[]).includes('SCMP_ACT_NOTIFY'), 'notify is not offered: no agent handoff');
  t.equal((sc.operators as string[]).length, 7);
  t.ok((sc.archs as string[]).includes('SCMP_ARCH_X86_64'));
  t.ok((sc.archs as string[]).includes('SCMP_ARCH_AARCH64'));
  const known = sc.knownFlags as string[];
  t.ok(known.includes('SECCOMP_FILTER_FLAG_LOG'));
  t.ok((sc.supportedFlags as string[]).every((f) => known.includes(f)), 'supported flags are known flags');
  t.ok((sc.supportedFlags as string[]).includes('SECCOMP_FILTER_FLAG_TSYNC'));
  t.match(doc.annotations['io.github.seccomp.libseccomp.version'], /^\d+\.\d+\.\d+$/);
});

t.test('features: id-mapped mounts and their options, and the user namespace', async (t) => {
  const doc = features() as { mountOptions: string[]; linux: { namespaces: string[]; mountExtensions: unknown } };
  t.same(doc.linux.mountExtensions, { idmap: { enabled: true } });
  t.ok(doc.mountOptions.includes('idmap') && doc.mountOptions.includes('ridmap'), 'idmap and ridmap are listed');
  t.same(doc.mountOptions, [...doc.mountOptions].sort(), 'sorted');
  t.ok(doc.linux.namespaces.includes('user'));
});
