import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  ALL_CAPABILITIES,
  CAP_LAST_CAP,
  capName,
  capNumber,
  capsToMask,
  isKnownCapability,
  lastCapFromKernel,
  maskToCaps,
  maskToWords,
} from './capabilities.js';

const HEADER = '/usr/include/linux/capability.h';

t.test('table matches linux/capability.h', async (t) => {
  const text = readFileSync(HEADER, 'utf8');
  const fromHeader = new Map<string, number>();
  for (const m of text.matchAll(/^#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$/gm)) {
    fromHeader.set(m[1] as string, Number(m[2]));
  }
  t.ok(fromHeader.size >= 41, 'header parsed');
  for (const [name, n] of fromHeader) {
    t.equal(capNumber(name), n, name);
  }
  t.equal(fromHeader.size, ALL_CAPABILITIES.length, 'same number of capabilities');
  t.match(text, new RegExp(`#define\\s+CAP_LAST_CAP\\s+${ALL_CAPABILITIES[CAP_LAST_CAP]}\\b`));
});

t.test('well-known numbers', async (t) => {
  t.equal(capNumber('CAP_CHOWN'), 0);
  t.equal(capNumber('CAP_KILL'), 5);
  t.equal(capNumber('CAP_NET_BIND_SERVICE'), 10);
  t.equal(capNumber('CAP_SYS_ADMIN'), 21);
  t.equal(capNumber('CAP_AUDIT_WRITE'), 29);
  t.equal(capNumber('CAP_SETFCAP'), 31);
  t.equal(capNumber('CAP_MAC_OVERRIDE'), 32);
  t.equal(capNumber('CAP_CHECKPOINT_RESTORE'), 40);
  t.equal(CAP_LAST_CAP, 40);
  t.equal(ALL_CAPABILITIES.length, 41);
  t.equal(new Set(ALL_CAPABILITIES).size, ALL_CAPABILITIES.length, 'names are unique');
  t.ok(Object.isFrozen(ALL_CAPABILITIES));
});

t.test('capNumber rejects anything but exact names', async (t) => {
  t.throws(() => capNumber('CAP_FOO'), { message: 'unknown capability "CAP_FOO"' });
  t.throws(() => capNumber('cap_chown'), { message: 'unknown capability "cap_chown"' });
  t.throws(() => capNumber('CHOWN'), { message: 'unknown capability "CHOWN"' });
  t.throws(() => capNumber(''), { message: 'unknown capability ""' });
  t.throws(() => capNumber('toString'), { message: 'unknown capability "toString"' }, 'no prototype lookups');
  t.equal(isKnownCapability('CAP_BPF'), true);
  t.equal(isKnownCapability('CAP_BOGUS'), false);
});

t.test('capName', async (t) => {
  for (let n = 0; n <= CAP_LAST_CAP; n++) {
    t.equal(capNumber(capName(n) as string), n, `round trip ${n}`);
  }
  t.equal(capName(0), 'CAP_CHOWN');
  t.equal(capName(41), undefined);
  t.equal(capName(-1), undefined);
  t.equal(capName(1.5), undefined);
});

t.test('masks', async (t) => {
  t.equal(capsToMask([]), 0n);
  t.equal(capsToMask(['CAP_CHOWN']), 1n);
  t.equal(capsToMask(['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_AUDIT_WRITE']), (1n << 5n) | (1n << 10n) | (1n << 29n));
  t.equal(capsToMask(['CAP_KILL', 'CAP_KILL']), 1n << 5n, 'duplicates are harmless');
  t.equal(capsToMask(['CAP_CHECKPOINT_RESTORE', 'CAP_MAC_OVERRIDE']), (1n << 40n) | (1n << 32n), 'bits above 31');
  t.equal(capsToMask(ALL_CAPABILITIES), (1n << 41n) - 1n);
  t.throws(() => capsToMask(['CAP_KILL', 'CAP_NOPE']), { message: 'unknown capability "CAP_NOPE"' });
  t.same(maskToCaps(capsToMask(['CAP_SYS_ADMIN', 'CAP_CHOWN'])), ['CAP_CHOWN', 'CAP_SYS_ADMIN'], 'numeric order');
  t.same(maskToCaps(1n << 50n), [], 'unknown bits ignored');
  t.same(maskToWords(0n), [0, 0]);
  t.same(maskToWords((1n << 40n) | (1n << 31n) | 1n), [0x80000001, 0x100]);
  // the docker default set, as found in CapBnd of a default container: 0x00000000a80425fb
  const docker = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
    'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
  t.equal(capsToMask(docker), 0xa80425fbn);
});

t.test('lastCapFromKernel', async (t) => {
  t.equal(lastCapFromKernel('40\n'), 40);
  t.equal(lastCapFromKernel('37'), 37);
  t.equal(lastCapFromKernel(' 41 \n'), 41);
  t.throws(() => lastCapFromKernel(''), { message: 'invalid /proc/sys/kernel/cap_last_cap content ""' });
  t.throws(() => lastCapFromKernel('abc\n'), { message: 'invalid /proc/sys/kernel/cap_last_cap content "abc\\n"' });
  t.throws(() => lastCapFromKernel('-1'));
  // the real file: any kernel this runtime supports (>= 5.x) has at least CAP_AUDIT_READ (37)
  const live = lastCapFromKernel();
  t.ok(Number.isInteger(live) && live >= 37, `running kernel reports ${live}`);
});
