import t from 'tap';
import {
  MOUNT_ATTR__ATIME,
  MOUNT_ATTR_NOATIME,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NODIRATIME,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_NOSYMFOLLOW,
  MOUNT_ATTR_RDONLY,
  MOUNT_ATTR_STRICTATIME,
  MS_BIND,
  MS_DIRSYNC,
  MS_I_VERSION,
  MS_LAZYTIME,
  MS_MANDLOCK,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_NOSYMFOLLOW,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_REMOUNT,
  MS_SHARED,
  MS_SILENT,
  MS_SLAVE,
  MS_STRICTATIME,
  MS_SYNCHRONOUS,
  MS_UNBINDABLE,
} from '../../ffi/constants.js';
import { isBindMount, KNOWN_MOUNT_OPTIONS, parseMountOptions } from './mount-options.js';

t.test('empty and missing options', async (t) => {
  const expected = {
    flags: 0, clearFlags: 0, propagation: [], recAttrSet: 0, recAttrClr: 0, data: '',
    bind: false, recursiveBind: false, extensions: [], idmap: false, recursiveIdmap: false,
  };
  t.same(parseMountOptions(undefined), expected);
  t.same(parseMountOptions([]), expected);
  t.same(parseMountOptions(['', '']), expected, 'empty strings are ignored');
  t.same(parseMountOptions(['defaults']), expected, 'defaults is a no-op, not data');
});

t.test('each set/clear flag option', async (t) => {
  const cases: Array<[string, number, boolean]> = [
    ['ro', MS_RDONLY, false], ['rw', MS_RDONLY, true],
    ['nosuid', MS_NOSUID, false], ['suid', MS_NOSUID, true],
    ['nodev', MS_NODEV, false], ['dev', MS_NODEV, true],
    ['noexec', MS_NOEXEC, false], ['exec', MS_NOEXEC, true],
    ['sync', MS_SYNCHRONOUS, false], ['async', MS_SYNCHRONOUS, true],
    ['dirsync', MS_DIRSYNC, false],
    ['remount', MS_REMOUNT, false],
    ['mand', MS_MANDLOCK, false], ['nomand', MS_MANDLOCK, true],
    ['noatime', MS_NOATIME, false], ['atime', MS_NOATIME, true],
    ['nodiratime', MS_NODIRATIME, false], ['diratime', MS_NODIRATIME, true],
    ['relatime', MS_RELATIME, false], ['norelatime', MS_RELATIME, true],
    ['strictatime', MS_STRICTATIME, false], ['nostrictatime', MS_STRICTATIME, true],
    ['iversion', MS_I_VERSION, false], ['noiversion', MS_I_VERSION, true],
    ['nosymfollow', MS_NOSYMFOLLOW, false], ['symfollow', MS_NOSYMFOLLOW, true],
    ['lazytime', MS_LAZYTIME, false], ['nolazytime', MS_LAZYTIME, true],
    ['silent', MS_SILENT, false], ['loud', MS_SILENT, true],
    ['bind', MS_BIND, false],
    ['rbind', MS_BIND | MS_REC, false],
  ];
  for (const [option, flag, clear] of cases) {
    const p = parseMountOptions([option]);
    t.equal(p.flags, clear ? 0 : flag, `${option}: flags`);
    t.equal(p.clearFlags, clear ? flag : 0, `${option}: clearFlags`);
    t.equal(p.data, '', `${option}: not data`);
  }
});

t.test('last of a set/clear pair wins (runc order semantics)', async (t) => {
  let p = parseMountOptions(['ro', 'rw']);
  t.equal(p.flags & MS_RDONLY, 0);
  t.equal(p.clearFlags & MS_RDONLY, MS_RDONLY);
  p = parseMountOptions(['rw', 'ro']);
  t.equal(p.flags & MS_RDONLY, MS_RDONLY);
  t.equal(p.clearFlags & MS_RDONLY, 0);
  p = parseMountOptions(['nosuid', 'suid', 'nosuid', 'dev', 'nodev', 'exec']);
  t.equal(p.flags, MS_NOSUID | MS_NODEV);
  t.equal(p.clearFlags, MS_NOEXEC);
});

t.test('a typical /proc, /dev and bind mount', async (t) => {
  t.same(parseMountOptions(['nosuid', 'noexec', 'nodev']), {
    flags: MS_NOSUID | MS_NOEXEC | MS_NODEV, clearFlags: 0, propagation: [], recAttrSet: 0, recAttrClr: 0, data: '',
    bind: false, recursiveBind: false, extensions: [], idmap: false, recursiveIdmap: false,
  });
  const dev = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
  t.equal(dev.flags, MS_NOSUID | MS_STRICTATIME);
  t.equal(dev.data, 'mode=755,size=65536k');
  const bind = parseMountOptions(['rbind', 'rprivate', 'ro']);
  t.equal(bind.flags, MS_BIND | MS_REC | MS_RDONLY);
  t.same(bind.propagation, [MS_PRIVATE | MS_REC]);
  t.equal(bind.bind, true);
  t.equal(bind.recursiveBind, true);
  const plain = parseMountOptions(['bind']);
  t.equal(plain.bind, true);
  t.equal(plain.recursiveBind, false);
});

t.test('unknown options become filesystem data, in order', async (t) => {
  const p = parseMountOptions(['size=10m', 'ro', 'uid=1000', 'gid=5', 'newinstance', 'ptmxmode=0666', 'acl', 'noacl']);
  t.equal(p.data, 'size=10m,uid=1000,gid=5,newinstance,ptmxmode=0666,acl,noacl');
  t.equal(p.flags, MS_RDONLY);
  t.equal(parseMountOptions(['RO']).data, 'RO', 'matching is case-sensitive');
  t.equal(parseMountOptions(['lowerdir=/a:/b', 'upperdir=/u']).data, 'lowerdir=/a:/b,upperdir=/u');
});

t.test('propagation options keep their order and never touch flags', async (t) => {
  const all = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable'];
  const p = parseMountOptions(all);
  t.same(p.propagation, [
    MS_PRIVATE, MS_PRIVATE | MS_REC, MS_SHARED, MS_SHARED | MS_REC,
    MS_SLAVE, MS_SLAVE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC,
  ]);
  t.equal(p.flags, 0);
  t.same(parseMountOptions(['rslave', 'rshared', 'rslave']).propagation, [MS_SLAVE | MS_REC, MS_SHARED | MS_REC, MS_SLAVE | MS_REC],
    'repeats are kept');
});

t.test('recursive attributes', async (t) => {
  const simple: Array<[string, string, number]> = [
    ['rro', 'rrw', MOUNT_ATTR_RDONLY],
    ['rnosuid', 'rsuid', MOUNT_ATTR_NOSUID],
    ['rnodev', 'rdev', MOUNT_ATTR_NODEV],
    ['rnoexec', 'rexec', MOUNT_ATTR_NOEXEC],
    ['rnodiratime', 'rdiratime', MOUNT_ATTR_NODIRATIME],
    ['rnosymfollow', 'rsymfollow', MOUNT_ATTR_NOSYMFOLLOW],
  ];
  for (const [setOpt, clrOpt, attr] of simple) {
    let p = parseMountOptions([setOpt]);
    t.equal(p.recAttrSet, attr, `${setOpt} sets`);
    t.equal(p.recAttrClr, 0, `${setOpt} clears nothing`);
    t.equal(p.flags, 0, `${setOpt} is not an MS_ flag`);
    p = parseMountOptions([clrOpt]);
    t.equal(p.recAttrSet, 0, `${clrOpt} sets nothing`);
    t.equal(p.recAttrClr, attr, `${clrOpt} clears`);
    p = parseMountOptions([setOpt, clrOpt]);
    t.same([p.recAttrSet, p.recAttrClr], [0, attr], `${setOpt},${clrOpt}: last wins`);
    p = parseMountOptions([clrOpt, setOpt]);
    t.same([p.recAttrSet, p.recAttrClr], [attr, 0], `${clrOpt},${setOpt}: last wins`);
  }
  const p = parseMountOptions(['rro', 'rnosuid', 'rnodev', 'rnoexec']);
  t.equal(p.recAttrSet, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
});

t.test('recursive atime options form an enum the kernel accepts', async (t) => {
  const atime = (opts: string[]): [number, number] => {
    const p = parseMountOptions(opts);
    return [p.recAttrSet, p.recAttrClr];
  };
  // Setting a mode always carries the full MOUNT_ATTR__ATIME mask in attr_clr.
  t.same(atime(['rnoatime']), [MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME]);
  t.same(atime(['rstrictatime']), [MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME]);
  t.same(atime(['rrelatime']), [0, MOUNT_ATTR__ATIME], 'relatime is value 0');
  // The last mode wins instead of OR-ing enum values together.
  t.same(atime(['rnoatime', 'rstrictatime']), [MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME]);
  t.same(atime(['rstrictatime', 'rrelatime']), [0, MOUNT_ATTR__ATIME]);
  // Clearing the selected mode falls back to relatime; clearing another mode keeps it.
  t.same(atime(['rnoatime', 'ratime']), [0, MOUNT_ATTR__ATIME]);
  t.same(atime(['ratime']), [0, MOUNT_ATTR__ATIME]);
  t.same(atime(['rstrictatime', 'ratime']), [MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME]);
  t.same(atime(['rnostrictatime']), [0, MOUNT_ATTR__ATIME]);
  t.same(atime(['rnorelatime']), [0, 0], 'rnorelatime has nothing to clear');
  // Non-atime attributes are independent of the atime enum.
  t.same(atime(['rro', 'rnoatime', 'rrw']), [MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY]);
  // kernel rule (fs/namespace.c build_mount_kattr): atime bits in attr_clr are all-or-nothing,
  // and atime bits in attr_set need MOUNT_ATTR__ATIME in attr_clr
  const all = ['rnoatime', 'ratime', 'rstrictatime', 'rnostrictatime', 'rrelatime', 'rnorelatime'];
  for (const a of all) {
    for (const b of all) {
      const [set, clr] = atime([a, b]);
      const clrAtime = clr & MOUNT_ATTR__ATIME;
      t.ok(clrAtime === 0 || clrAtime === MOUNT_ATTR__ATIME, `${a},${b}: attr_clr atime bits all or none`);
      t.ok((set & MOUNT_ATTR__ATIME) === 0 || clrAtime === MOUNT_ATTR__ATIME, `${a},${b}: attr_set atime needs __ATIME`);
    }
  }
});

t.test('extensions and id-mapping options', async (t) => {
  const p = parseMountOptions(['tmpcopyup', 'nosuid', 'tmpcopyup', 'idmap', 'ridmap', 'idmap', 'mode=755']);
  t.same(p.extensions, ['tmpcopyup']);
  t.equal(p.idmap, true);
  t.equal(p.recursiveIdmap, false, 'the last of idmap and ridmap decides');
  t.equal(parseMountOptions(['idmap', 'ridmap']).recursiveIdmap, true);
  t.equal(parseMountOptions(['rbind']).idmap, false);
  t.equal(p.data, 'mode=755', 'neither goes to mount(2) data');
  t.equal(p.flags, MS_NOSUID);
});

t.test('KNOWN_MOUNT_OPTIONS lists every spec option this runtime implements', async (t) => {
  // runtime-spec v1.3.0 config.md table, plus `rnodev` which the table forgets but runc implements
  const spec = [
    'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand',
    'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime',
    'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount', 'rexec',
    'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate',
    'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared',
    'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable', 'idmap', 'ridmap',
  ];
  t.same([...KNOWN_MOUNT_OPTIONS], [...spec].sort());
  t.same([...KNOWN_MOUNT_OPTIONS], [...KNOWN_MOUNT_OPTIONS].sort(), 'sorted');
  for (const o of KNOWN_MOUNT_OPTIONS) {
    t.equal(parseMountOptions([o]).data, '', `${o} is recognised`);
  }
});

t.test('isBindMount', async (t) => {
  t.equal(isBindMount({ type: 'bind' }), true);
  t.equal(isBindMount({ type: 'bind', options: ['ro'] }), true);
  t.equal(isBindMount({ type: 'none', options: ['rbind', 'ro'] }), true);
  t.equal(isBindMount({ options: ['bind'] }), true, 'type is optional');
  t.equal(isBindMount({ type: 'tmpfs', options: ['nosuid'] }), false);
  t.equal(isBindMount({ type: 'proc' }), false);
  t.equal(isBindMount({}), false);
  t.equal(isBindMount({ type: 'tmpfs', options: ['binding=x'] }), false, 'only exact option names');
});
