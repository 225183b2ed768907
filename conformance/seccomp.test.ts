// Seccomp (config-linux.md "Seccomp"): the filter from linux.seccomp confines the container's process
// and the processes exec'd into the container: default action with defaultErrnoRet, per-syscall
// actions with errnoRet, argument conditions, architectures and flags.
//
// Where runc may differ from the spec text:
// - names libseccomp cannot resolve are skipped silently (a profile may be newer than the kernel);
// - a rule whose action equals the default action is skipped (libseccomp refuses it);
// - SCMP_ACT_KILL kills the thread (SIGSYS); for a single-threaded program that is the process;
// - runc 1.1.5 refuses every seccomp flag ("seccomp flags are not yet supported by runc"); ocirt sets
//   LOG and SPEC_ALLOW and accepts TSYNC, so flags are checked against ocirt alone;
// - runc 1.1.5 supports SCMP_ACT_NOTIFY with listenerPath; ocirt refuses such configs (no seccomp agent
//   handoff), so that case is checked against ocirt alone.
// The root is read-only in the base config: mkdir is tried in /dev/shm (a tmpfs) so that without the
// filter it would succeed.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertSameAsReference,
  create,
  makeBundle,
  observeBoth,
  runIn,
  setupSuite,
  SUBJECT,
  subjectVersionLine,
  type SpecPatch,
} from './helpers.js';

setupSuite(t);

/** The ocirt-only checks assert runc 1.1's own answer when the subject is runc (checking the tests). */
const subjectIsRunc11 = async () => /^runc version 1\.[01]\./.test(await subjectVersionLine());

const SHARED = { rootfs: 'shared' as const };

type Seccomp = Record<string, unknown>;
const withSeccomp =
  (seccomp: Seccomp, noNewPrivileges = true): SpecPatch =>
  (s) => {
    s.linux = { ...s.linux, seccomp } as typeof s.linux;
    s.process!.noNewPrivileges = noNewPrivileges;
  };

/** What a busybox shell, runc's init and ocirt's init need once the filter is loaded. */
const SHELL_SYSCALLS = `
  read write readv writev pread64 pwrite64 open openat close close_range stat fstat lstat newfstatat statx statfs fstatfs
  fcntl dup dup2 dup3 pipe pipe2 mmap munmap mprotect madvise brk mremap rt_sigaction rt_sigprocmask rt_sigreturn
  sigaltstack ioctl getpid getppid gettid getuid geteuid getgid getegid getgroups setgroups setresuid setresgid setuid
  setgid capget capset prctl arch_prctl set_tid_address set_robust_list rseq futex exit exit_group execve execveat clone
  clone3 fork vfork wait4 waitid kill tgkill tkill chdir fchdir getcwd umask uname access faccessat faccessat2 readlink
  readlinkat getdents getdents64 lseek poll ppoll select pselect6 epoll_create1 epoll_ctl epoll_wait epoll_pwait
  nanosleep clock_nanosleep clock_gettime gettimeofday getrandom sched_yield sched_getaffinity getrlimit prlimit64
  setrlimit sysinfo socket connect sendto sendmsg recvmsg recvfrom fchown fchownat getpgrp setpgid getpgid setsid getsid
  eventfd2 membarrier`.trim().split(/\s+/);

t.test('default allow: mkdir denied with EPERM, then with a chosen errnoRet', async (t) => {
  const cmd = 'mkdir /dev/shm/x 2>&1; echo "rc=$?"; grep "^Seccomp:" /proc/self/status; touch /dev/shm/y && echo touched';
  const eperm = await observeBoth(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
  }), cmd, SHARED);
  t.equal(eperm.ocirt.status, 0, eperm.ocirt.stderr);
  t.equal(eperm.ocirt.stdout, "mkdir: can't create directory '/dev/shm/x': Operation not permitted\nrc=1\nSeccomp:\t2\ntouched\n");
  assertSameAsReference(t, eperm, ['status', 'stdout'], 'EPERM');

  const eacces = await observeBoth(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  }), cmd, SHARED);
  t.match(eacces.ocirt.stdout, /^mkdir: can't create directory '\/dev\/shm\/x': Permission denied\nrc=1\n/);
  assertSameAsReference(t, eacces, ['status', 'stdout'], 'errnoRet 13');

  // Unknown names are skipped; an entry equal to the default action is skipped.
  const skipped = await observeBoth(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['no_such_syscall_ocirt', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
    ],
  }), 'mkdir /dev/shm/x 2>&1; echo "rc=$?"', SHARED);
  t.match(skipped.ocirt.stdout, /No space left on device\nrc=1\n$/);
  assertSameAsReference(t, skipped, ['status', 'stdout'], 'unknown names');
});

t.test('default ERRNO with an allow list: the shell runs, the rest fails with defaultErrnoRet', async (t) => {
  for (const nnp of [true, false]) {
    const both = await observeBoth(withSeccomp({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: SHELL_SYSCALLS, action: 'SCMP_ACT_ALLOW' }],
    }, nnp), 'echo hello; mkdir /dev/shm/x 2>&1; echo "rc=$?"', SHARED);
    t.equal(both.ocirt.status, 0, `noNewPrivileges ${nnp}: ${both.ocirt.stderr}`);
    t.equal(both.ocirt.stdout, "hello\nmkdir: can't create directory '/dev/shm/x': Operation not permitted\nrc=1\n", `noNewPrivileges ${nnp}`);
    assertSameAsReference(t, both, ['status', 'stdout'], `noNewPrivileges ${nnp}`);
  }
});

t.test('argument conditions: personality(PER_LINUX32) denied, personality(PER_LINUX) allowed', async (t) => {
  const both = await observeBoth(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }],
  }), 'linux32 uname -m 2>&1; echo "rc=$?"; linux64 uname -m; echo "rc=$?"', SHARED);
  t.equal(both.ocirt.stdout, 'linux32: personality(0x8): Operation not permitted\nrc=1\nx86_64\nrc=0\n');
  assertSameAsReference(t, both, ['status', 'stdout'], 'personality');

  // Two conditions on one argument: each is a rule of its own (either matching denies).
  const twice = await observeBoth(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{
      names: ['personality'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 22,
      args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0xff, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    }],
  }), 'linux32 true 2>&1; echo "rc=$?"; linux64 true 2>&1; echo "rc=$?"', SHARED);
  t.equal(twice.ocirt.stdout, 'linux32: personality(0x8): Invalid argument\nrc=1\nlinux64: personality(0x0): Invalid argument\nrc=1\n');
  assertSameAsReference(t, twice, ['status', 'stdout'], 'same index twice');
});

t.test('KILL_PROCESS and KILL end the process with SIGSYS (status 159)', async (t) => {
  for (const action of ['SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL']) {
    const both = await observeBoth(withSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action }],
    }), ['mkdir', '/dev/shm/x'], SHARED);
    t.equal(both.ocirt.status, 159, `${action}: ${both.ocirt.stderr}`);
    assertSameAsReference(t, both, ['status', 'stdout'], action);
  }
});

t.test('exec: the exec\'d process gets the container\'s filter', async (t) => {
  const trace: Record<string, string[]> = {};
  for (const runtime of ['ocirt', 'runc'] as const) {
    const bundle = await makeBundle(withSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    }, false), { ...SHARED, runtime });
    bundle.spec.process!.args = ['sleep', '100'];
    await bundle.writeSpec();
    const c = await create(runtime, bundle);
    t.ok(c.created, `${runtime} create: ${c.createResult.stderr}`);
    t.equal((await c.start()).status, 0);
    const ex = await c.exec('grep "^Seccomp:" /proc/self/status; mkdir /dev/shm/e 2>&1; echo "rc=$?"');
    trace[runtime] = [`exec status ${ex.status}`, ...ex.stdout.split('\n').filter(Boolean)];
    await c.kill('KILL');
    await c.waitStatus('stopped');
    await c.delete();
  }
  t.same(trace.ocirt, ['exec status 0', 'Seccomp:\t2', "mkdir: can't create directory '/dev/shm/e': Permission denied", 'rc=1']);
  t.same(trace.ocirt, trace.runc, 'ocirt matches runc');
});

t.test('SCMP_ACT_NOTIFY and listenerPath are refused at create (ocirt only)', async (t) => {
  const bundle = await makeBundle(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    listenerPath: '/run/ocirt-no-agent.sock',
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }],
  }), { ...SHARED, runtime: SUBJECT });
  const c = await create(SUBJECT, bundle);
  t.not(c.createResult.status, 0, 'create fails');
  if (await subjectIsRunc11()) return; // runc fails too: nothing listens on listenerPath
  t.match(c.createResult.stderr, /linux\/seccomp\/syscalls\/0\/action: SCMP_ACT_NOTIFY is not supported/);
  t.match(c.createResult.stderr, /linux\/seccomp\/listenerPath/);
});

t.test('flags: LOG and SPEC_ALLOW are set, TSYNC is accepted (ocirt only)', async (t) => {
  const bundle = await makeBundle(withSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }],
  }), { ...SHARED, runtime: SUBJECT });
  const res = await runIn(SUBJECT, bundle, 'grep "^Seccomp:" /proc/self/status; mkdir /dev/shm/x');
  if (await subjectIsRunc11()) {
    t.match(res.stderr, /seccomp flags are not yet supported by runc/, 'runc 1.1 refuses every flag');
    return;
  }
  t.equal(res.stdout, 'Seccomp:\t2\n');
  t.equal(res.status, 128 + 31, 'mkdir killed the shell with SIGSYS');
});

/** A profile written before 2020: the shell's syscalls without the ones Linux added since (clone3, close_range, faccessat2). */
const PRE_2020_SYSCALLS = SHELL_SYSCALLS.filter((n) => !['clone3', 'close_range', 'faccessat2'].includes(n));
const pre2020Profile = (nnp: boolean, extra: SpecPatch = () => {}): SpecPatch => (s, ctx) => {
  withSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: PRE_2020_SYSCALLS, action: 'SCMP_ACT_ALLOW' }],
  }, nnp)(s, ctx);
  extra(s, ctx);
};

t.test('default deny without close_range: the container runs (the fd sweep does not depend on the profile)', async (t) => {
  for (const nnp of [false, true]) {
    const both = await observeBoth(pre2020Profile(nnp), 'echo hi', SHARED);
    t.equal(both.ocirt.status, 0, `noNewPrivileges ${nnp}: ${both.ocirt.stderr}`);
    t.equal(both.ocirt.stdout, 'hi\n', `noNewPrivileges ${nnp}`);
    assertSameAsReference(t, both, ['status', 'stdout'], `noNewPrivileges ${nnp}`);
  }
});

/**
 * A static x86_64 program of 24 instructions' worth: close_range(1000000, 1000001, 0), then exit
 * with the errno it got (0 when the call worked, 38 for ENOSYS, 1 for EPERM).
 */
function closeRangeProbe(): Buffer {
  const code = Buffer.from([
    0xb8, 0xb4, 0x01, 0x00, 0x00, // mov eax, 436 (close_range)
    0xbf, 0x40, 0x42, 0x0f, 0x00, // mov edi, 1000000
    0xbe, 0x41, 0x42, 0x0f, 0x00, // mov esi, 1000001
    0x31, 0xd2, //                   xor edx, edx
    0x0f, 0x05, //                   syscall
    0xf7, 0xd8, //                   neg eax
    0x89, 0xc7, //                   mov edi, eax
    0xb8, 0x3c, 0x00, 0x00, 0x00, // mov eax, 60 (exit)
    0x0f, 0x05, //                   syscall
  ]);
  const base = 0x400000;
  const headers = 64 + 56;
  const elf = Buffer.alloc(headers + code.length);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf, 0); // ELF64, little endian, version 1
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(0x3e, 18); // EM_X86_64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(base + headers), 24); // entry
  elf.writeBigUInt64LE(64n, 32); // program headers right after this header
  elf.writeUInt16LE(64, 52);
  elf.writeUInt16LE(56, 54);
  elf.writeUInt16LE(1, 56);
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeUInt32LE(5, 68); // R+X
  elf.writeBigUInt64LE(BigInt(base), 80);
  elf.writeBigUInt64LE(BigInt(base), 88);
  elf.writeBigUInt64LE(BigInt(elf.length), 96);
  elf.writeBigUInt64LE(BigInt(elf.length), 104);
  elf.writeBigUInt64LE(0x1000n, 112);
  code.copy(elf, headers);
  return elf;
}

t.test('a syscall newer than a denying profile gets ENOSYS, not the default action', async (t) => {
  if (process.arch !== 'x64') throw new Error('the close_range probe is an x86_64 program');
  const probe: SpecPatch = (_s, { bundleDir }) => {
    writeFileSync(join(bundleDir, 'rootfs/close-range-probe'), closeRangeProbe(), { mode: 0o755 });
  };
  for (const nnp of [false, true]) {
    const both = await observeBoth(pre2020Profile(nnp, probe), '/close-range-probe; echo "errno=$?"');
    t.equal(both.ocirt.stdout, 'errno=38\n', `noNewPrivileges ${nnp}: ENOSYS (${both.ocirt.stderr})`);
    assertSameAsReference(t, both, ['status', 'stdout'], `noNewPrivileges ${nnp}`);
  }
  // Without a filter the probe's call works: the 38 above is the filter's answer.
  const plain = await observeBoth(probe, '/close-range-probe; echo "errno=$?"');
  t.equal(plain.ocirt.stdout, 'errno=0\n');
  assertSameAsReference(t, plain, ['status', 'stdout'], 'no filter');
});
