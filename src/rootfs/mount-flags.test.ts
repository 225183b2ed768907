import t from 'tap';

import { appliesAfterPivot, rootfsPropagationFlags, statfsToMountFlags } from './mount-flags.js';
import { msNames } from '../../test/fakes/test-helpers.js';

t.test('statfs flags become MS_* flags; no atime flag means strictatime', async (t) => {
  t.equal(msNames(statfsToMountFlags(0)), 'STRICTATIME');
  t.equal(msNames(statfsToMountFlags(0x1 | 0x2 | 0x4 | 0x8 | 0x1000)), 'RDONLY|NOSUID|NODEV|NOEXEC|RELATIME');
  t.equal(msNames(statfsToMountFlags(0x400 | 0x800)), 'NOATIME|NODIRATIME');
  t.equal(msNames(statfsToMountFlags(0x10 | 0x40 | 0x2000 | 0x1000)), 'SYNCHRONOUS|MANDLOCK|NOSYMFOLLOW|RELATIME');
});

t.test('rootfsPropagation values', async (t) => {
  t.equal(rootfsPropagationFlags(undefined), undefined);
  t.equal(rootfsPropagationFlags(''), undefined);
  t.equal(msNames(rootfsPropagationFlags('rslave')!), 'REC|SLAVE');
  t.equal(msNames(rootfsPropagationFlags('unbindable')!), 'UNBINDABLE');
  t.throws(() => rootfsPropagationFlags('bogus'), /rootfsPropagation=bogus is not supported/);
  t.ok(appliesAfterPivot(rootfsPropagationFlags('unbindable')!));
  t.ok(appliesAfterPivot(rootfsPropagationFlags('runbindable')!));
  t.notOk(appliesAfterPivot(rootfsPropagationFlags('shared')!), 'shared is set before pivot_root, as in runc');
  t.notOk(appliesAfterPivot(rootfsPropagationFlags('private')!));
});
