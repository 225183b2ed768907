// The filter builder against a fake libseccomp (which rules, arguments, architectures and attributes
// a spec turns into), then against the real library: its pseudo-filter text, and a filter loaded in a
// child Node process.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinuxSeccomp } from '../generated/config.js';
import { SyscallError } from '../errors.js';
import {
  libseccomp,
  type ArgCmp,
  type FilterContext,
  type Libseccomp,
  SCMP_ACT_ALLOW,
  SCMP_ACT_KILL_PROCESS,
  SCMP_ACT_KILL_THREAD,
  SCMP_ACT_LOG,
  SCMP_ACT_TRAP,
  SCMP_CMP_EQ,
  SCMP_CMP_MASKED_EQ,
  SCMP_CMP_NE,
  SCMP_FLTATR_CTL_LOG,
  SCMP_FLTATR_CTL_NNP,
  SCMP_FLTATR_CTL_OPTIMIZE,
  SCMP_FLTATR_CTL_SSB,
  scmpActErrno,
  scmpActTrace,
} from '../../ffi/seccomp.js';
import {
  buildSeccompFilter,
  compileSeccompFilter,
  seccompKernelFlags,
  libseccompArchName,
  ruleConditions,
  seccompAction,
  seccompArchitectures,
  supportedSeccompFlags,
} from './seccomp.js';

const SYSCALLS: Record<string, number> = { read: 0, write: 1, mkdir: 83, personality: 135, socket: 41, clone: 56, socketcall: -101 };
const ARCHS: Record<string, number> = { x86_64: 0xc000003e, x86: 0x40000003, x32: 0x4000003e, aarch64: 0xc00000b7 };

interface Rule {
  action: number;
  syscall: number;
  args: ArgCmp[];
  name: string;
}

class FakeLib implements Libseccomp {
  defaultAction?: number;
  arches: number[] = [];
  attrs = new Map<number, number>();
  rules: Rule[] = [];
  exported = 0;
  released = 0;
  /** Attributes that fail as an old library or kernel would. */
  unsupportedAttrs = new Set<number>();
  init(defaultAction: number): FilterContext {
    this.defaultAction = defaultAction;
    return { fake: true };
  }
  release(): void {
    this.released++;
  }
  archAdd(_ctx: FilterContext, arch: number): void {
    this.arches.push(arch);
  }
  archResolveName(name: string) {
    return ARCHS[name];
  }
  archNative() {
    return ARCHS.x86_64!;
  }
  syscallResolveName(name: string) {
    return SYSCALLS[name];
  }
  syscallResolveNameArch(_arch: number, name: string) {
    return SYSCALLS[name];
  }
  /** Numbers the fake knows by number (empty: no ENOSYS rules in the tests that do not look at them). */
  byNumber: Record<number, string> = {};
  syscallResolveNum(_arch: number, nr: number) {
    return this.byNumber[nr];
  }
  ruleAdd(_ctx: FilterContext, action: number, syscall: number, args: readonly ArgCmp[], name: string): void {
    if (action === this.defaultAction) throw new SyscallError('seccomp_rule_add', name, 13);
    this.rules.push({ action, syscall, args: [...args], name });
  }
  attrSet(_ctx: FilterContext, attr: number, value: number, what: string): void {
    if (this.unsupportedAttrs.has(attr)) throw new SyscallError('seccomp_attr_set', what, 95);
    this.attrs.set(attr, value);
  }
  exportBpf(): void {}
  exportProgram(): Buffer {
    this.exported++;
    return Buffer.alloc(8);
  }
  exportPfc(): void {}
  version() {
    return { major: 2, minor: 5, micro: 4 };
  }
  apiLevel() {
    return 6;
  }
}

const build = (spec: LinuxSeccomp, lib = new FakeLib()) => ({ lib, filter: buildSeccompFilter(spec, lib) });

t.test('actions: KILL is KILL_THREAD, ERRNO and TRACE default to EPERM', async (t) => {
  t.equal(seccompAction('SCMP_ACT_KILL'), SCMP_ACT_KILL_THREAD);
  t.equal(seccompAction('SCMP_ACT_KILL_THREAD'), SCMP_ACT_KILL_THREAD);
  t.equal(seccompAction('SCMP_ACT_KILL_PROCESS'), SCMP_ACT_KILL_PROCESS);
  t.equal(seccompAction('SCMP_ACT_TRAP'), SCMP_ACT_TRAP);
  t.equal(seccompAction('SCMP_ACT_ERRNO'), 0x50001);
  t.equal(seccompAction('SCMP_ACT_ERRNO', 38), 0x50026);
  t.equal(seccompAction('SCMP_ACT_TRACE'), 0x7ff00001);
  t.equal(seccompAction('SCMP_ACT_TRACE', 5), scmpActTrace(5));
  t.equal(seccompAction('SCMP_ACT_ALLOW'), SCMP_ACT_ALLOW);
  t.equal(seccompAction('SCMP_ACT_LOG'), SCMP_ACT_LOG);
  t.throws(() => seccompAction('SCMP_ACT_NOTIFY'), /SCMP_ACT_NOTIFY is not supported/);
});

t.test('default allow with mkdir denied: one rule, NNP attribute off, no program exported yet', async (t) => {
  const { lib, filter } = build({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
  t.equal(lib.defaultAction, SCMP_ACT_ALLOW);
  t.same(lib.rules, [{ action: scmpActErrno(1), syscall: 83, args: [], name: 'mkdir' }]);
  t.equal(lib.attrs.get(SCMP_FLTATR_CTL_NNP), 0, 'runc sets no_new_privs itself');
  t.notOk(lib.attrs.has(SCMP_FLTATR_CTL_OPTIMIZE), 'a short profile keeps the default layout');
  t.same(lib.arches, [], 'the native arch is there already');
  t.equal(lib.exported, 0);
  filter.exportProgram();
  t.equal(lib.exported, 1);
  t.equal(filter.ruleCount, 1);
});

t.test('defaultErrnoRet and errnoRet; rules equal to the default are skipped', async (t) => {
  const { lib } = build({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 38,
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, // same as the default: skipped
      { names: ['socket'], action: 'SCMP_ACT_ERRNO' }, // EPERM differs from ENOSYS: kept
    ],
  });
  t.equal(lib.defaultAction, scmpActErrno(38));
  t.same(lib.rules.map((r) => [r.name, r.action]), [['read', SCMP_ACT_ALLOW], ['write', SCMP_ACT_ALLOW], ['socket', scmpActErrno(1)]]);
});

t.test('unknown syscall names are skipped and reported', async (t) => {
  const lib = new FakeLib();
  const debug: string[] = [];
  const filter = buildSeccompFilter(
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_call', 'mkdir', 'socketcall'], action: 'SCMP_ACT_KILL_PROCESS' }] },
    lib,
    { debug: (m) => debug.push(m) },
  );
  t.same(filter.unknownSyscalls, ['no_such_call']);
  t.same(debug, ['unknown seccomp syscall "no_such_call" ignored']);
  t.same(lib.rules.map((r) => [r.name, r.syscall]), [['mkdir', 83], ['socketcall', -101]], 'pseudo syscall numbers go to libseccomp');
});

t.test('args: distinct indexes make one rule, a repeated index one rule per condition', async (t) => {
  const { lib } = build({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
      {
        names: ['socket'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: 97,
        args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0xf, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      {
        names: ['clone'],
        action: 'SCMP_ACT_KILL',
        args: [{ index: 0, value: 1, op: 'SCMP_CMP_NE' }, { index: 0, value: 2, op: 'SCMP_CMP_NE' }],
      },
    ],
  });
  t.same(lib.rules, [
    { action: scmpActErrno(1), syscall: 135, name: 'personality', args: [{ arg: 0, op: SCMP_CMP_EQ, datumA: 0xffffffffn, datumB: 0n }] },
    {
      action: scmpActErrno(97), syscall: 41, name: 'socket',
      args: [{ arg: 0, op: SCMP_CMP_EQ, datumA: 2n, datumB: 0n }, { arg: 1, op: SCMP_CMP_MASKED_EQ, datumA: 15n, datumB: 1n }],
    },
    { action: SCMP_ACT_KILL_THREAD, syscall: 56, name: 'clone', args: [{ arg: 0, op: SCMP_CMP_NE, datumA: 1n, datumB: 0n }] },
    { action: SCMP_ACT_KILL_THREAD, syscall: 56, name: 'clone', args: [{ arg: 0, op: SCMP_CMP_NE, datumA: 2n, datumB: 0n }] },
  ]);
  t.throws(() => ruleConditions([{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }], 'read'), /argument index 6 out of range/);
  t.same(ruleConditions(undefined, 'read'), [[]]);
});

t.test('architectures are resolved by libseccomp name and added', async (t) => {
  t.equal(libseccompArchName('SCMP_ARCH_X86_64'), 'x86_64');
  t.equal(libseccompArchName('SCMP_ARCH_MIPSEL64N32'), 'mipsel64n32');
  const { lib } = build({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] });
  t.same(lib.arches, [ARCHS.x86_64, ARCHS.x86, ARCHS.x32]);
  const bad = new FakeLib();
  t.throws(() => buildSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_S390X'] }, bad), /SCMP_ARCH_S390X is not known to libseccomp/);
  t.equal(bad.released, 1, 'the context is freed on error');
});

t.test('flags: LOG and SPEC_ALLOW set attributes, TSYNC is accepted and ignored, unsupported ones fail', async (t) => {
  const { lib } = build({
    defaultAction: 'SCMP_ACT_ALLOW',
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
  });
  t.equal(lib.attrs.get(SCMP_FLTATR_CTL_LOG), 1);
  t.equal(lib.attrs.get(SCMP_FLTATR_CTL_SSB), 1);
  t.same([...lib.attrs.keys()].sort(), [SCMP_FLTATR_CTL_NNP, SCMP_FLTATR_CTL_LOG, SCMP_FLTATR_CTL_SSB].sort(), 'no TSYNC attribute');
  const old = new FakeLib();
  old.unsupportedAttrs.add(SCMP_FLTATR_CTL_SSB);
  t.throws(
    () => buildSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }, old),
    /seccomp flag SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported by libseccomp or the kernel \(E[A-Z]+\)/,
  );
  t.same(supportedSeccompFlags(old), ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
});

t.test('long profiles ask for the binary-tree layout; NOTIFY and listenerPath are refused', async (t) => {
  const names = Array.from({ length: 33 }, () => 'read');
  const { lib } = build({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] });
  t.equal(lib.attrs.get(SCMP_FLTATR_CTL_OPTIMIZE), 2);
  t.throws(() => build({ defaultAction: 'SCMP_ACT_NOTIFY' }), /SCMP_ACT_NOTIFY is not supported/);
  t.throws(() => build({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x' }), /listenerPath is not supported/);
  const fake = new FakeLib();
  t.throws(() => buildSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, fake));
  t.equal(fake.defaultAction, undefined, 'refused before a context is made');
});

// --- the real libseccomp -------------------------------------------------------------------

/** The pseudo-filter text of the filter the builder makes for `spec`. */
function pfc(spec: LinuxSeccomp): string {
  let ctx: FilterContext | undefined;
  // The builder keeps its context private: catch it as it is made.
  const spy: Libseccomp = { ...libseccomp, init: (a) => (ctx = libseccomp.init(a)) };
  const filter = buildSeccompFilter(spec, spy);
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-seccomp-'));
  try {
    const fd = openSync(join(dir, 'pfc'), 'w');
    try {
      libseccomp.exportPfc(ctx!, fd);
    } finally {
      closeSync(fd);
    }
    return readFileSync(join(dir, 'pfc'), 'utf8');
  } finally {
    filter.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('real libseccomp: version, errors name the function and errno, the filter text', async (t) => {
  const v = libseccomp.version();
  t.ok(v.major >= 2, `libseccomp ${v.major}.${v.minor}.${v.micro}`);
  t.equal(libseccomp.syscallResolveName('mkdir'), 83);
  t.equal(libseccomp.syscallResolveName('no_such_syscall'), undefined);
  t.ok(seccompArchitectures().includes('SCMP_ARCH_X86_64'));
  t.ok(supportedSeccompFlags().includes('SECCOMP_FILTER_FLAG_LOG'));
  const ctx = libseccomp.init(SCMP_ACT_ALLOW);
  try {
    t.throws(() => libseccomp.ruleAdd(ctx, SCMP_ACT_ALLOW, 83, [], 'mkdir'), { message: /^seccomp_rule_add mkdir: E[A-Z]+ \([a-z ]+\)$/ });
  } finally {
    libseccomp.release(ctx);
  }
  const text = pfc({
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
    syscalls: [
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  t.match(text, /filter for syscall "mkdir" \(83\)[^]*action ERRNO\(13\)/);
  t.match(text, /filter for arch x86 /);
  t.match(text, /\$a0\.lo32 == 4294967295/);
});

t.test('real libseccomp: a compiled filter, loaded with seccomp(2), makes mkdir fail in a child process', async (t) => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-seccomp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = `
    import { mkdirSync, readFileSync } from 'node:fs';
    import { compileSeccompFilter } from ${JSON.stringify(join(here, 'seccomp.js'))};
    import { linuxSys } from ${JSON.stringify(join(here, '../syscall/linux.js'))};
    linuxSys.prctl(38, 1, 0, 0, 0, 'PR_SET_NO_NEW_PRIVS'); // unprivileged loads need it
    const f = compileSeccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
    mkdirSync(${JSON.stringify(join(dir, 'before'))});
    linuxSys.loadSeccomp(f);
    const mode = readFileSync('/proc/self/status', 'utf8').match(/^Seccomp:\\s*(\\d)/m)[1];
    try { mkdirSync(${JSON.stringify(join(dir, 'after'))}); console.log('mode ' + mode + ' created'); }
    catch (e) { console.log('mode ' + mode + ' ' + e.code); }
  `;
  // Through env(1): tap's hooks (NODE_OPTIONS) would run in the child and trip over the filter.
  const r = spawnSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(r.stderr, '');
  t.equal(r.stdout.trim(), 'mode 2 EACCES');
});

t.test('ENOSYS for syscalls newer than the profile when the default denies (runc\'s patched filter)', async (t) => {
  const byNumber = { 0: 'read', 1: 'write', 83: 'mkdir', 135: 'personality', 435: 'clone3', 436: 'close_range', 439: 'faccessat2' };
  const lib = new FakeLib();
  lib.byNumber = byNumber;
  const { filter } = build({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO' }, // same as the default, still the newest named
      { names: ['socketcall', 'no_such_call'], action: 'SCMP_ACT_ALLOW' }, // pseudo and unknown: no number
    ],
  }, lib);
  t.same(filter.enosysSyscalls, ['clone3', 'close_range', 'faccessat2'], 'numbered above personality (135)');
  t.same(lib.rules.filter((r) => r.action === scmpActErrno(38)).map((r) => [r.name, r.syscall]),
    [['clone3', 435], ['close_range', 436], ['faccessat2', 439]]);

  for (const [why, spec] of [
    ['default ALLOW', { defaultAction: 'SCMP_ACT_ALLOW' }],
    ['default LOG', { defaultAction: 'SCMP_ACT_LOG' }],
    ['default TRACE', { defaultAction: 'SCMP_ACT_TRACE' }],
    ['default ENOSYS already', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }],
  ] as const) {
    const quiet = new FakeLib();
    quiet.byNumber = byNumber;
    const built = buildSeccompFilter({ ...spec, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL' }] } as LinuxSeccomp, quiet);
    t.same(built.enosysSyscalls, [], why);
  }
  for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP'] as const) {
    const denying = new FakeLib();
    denying.byNumber = byNumber;
    const built = buildSeccompFilter({ defaultAction: action, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }] }, denying);
    t.same(built.enosysSyscalls, ['personality', 'clone3', 'close_range', 'faccessat2'], action);
  }
  const empty = new FakeLib();
  empty.byNumber = byNumber;
  t.same(buildSeccompFilter({ defaultAction: 'SCMP_ACT_KILL' }, empty).enosysSyscalls, [], 'a profile naming nothing gets no stub (runc)');
});

t.test('real libseccomp: numbers resolve to names, and a denying profile gets the ENOSYS rules', async (t) => {
  const native = libseccomp.archNative();
  t.equal(libseccomp.syscallResolveNum(native, libseccomp.syscallResolveName('close_range')!), 'close_range');
  t.equal(libseccomp.syscallResolveNum(native, 100000), undefined);
  const filter = buildSeccompFilter({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'execve'], action: 'SCMP_ACT_ALLOW' }] });
  try {
    t.ok(filter.enosysSyscalls.includes('close_range') && filter.enosysSyscalls.includes('faccessat2'));
    t.notOk(filter.enosysSyscalls.includes('read'));
  } finally {
    filter.release();
  }
});

t.test('a compiled filter is the program libseccomp exports, with the kernel flags of the profile', async (t) => {
  const spec: LinuxSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
    flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],
  };
  const compiled = compileSeccompFilter(spec);
  const program = Buffer.from(compiled.program, 'base64');
  t.ok(program.length > 0 && program.length % 8 === 0, `whole sock_filter entries (${program.length} bytes)`);
  t.equal(compiled.flags, 2 | 4, 'LOG and SPEC_ALLOW; TSYNC is not used');
  t.equal(seccompKernelFlags({ defaultAction: 'SCMP_ACT_ALLOW' }), 0);
  // What it loads to: the real-libseccomp test above, through linuxSys.loadSeccomp.
});
