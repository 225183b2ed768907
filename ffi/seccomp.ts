// Typed Koffi bindings to libseccomp (libseccomp.so.2, loaded by soname). The library is opened on first
// use, so commands that never build a filter do not pay for it. Calls that return a negative errno throw a
// SyscallError naming the function and what it was working on: `seccomp_rule_add mkdir: EINVAL`.
//
// Everything goes through the `Libseccomp` interface, so the filter builder (src/process/seccomp.ts) can be
// tested against a fake.
import { closeSync, readSync } from 'node:fs';
import koffi from './koffi.js';
import { pipe2 } from './libc.js';
import { O_CLOEXEC, O_NONBLOCK } from './constants.js';
import type { LibraryHandle } from 'koffi';
import { RuntimeError, SyscallError } from './errors.js';
import { errnoNumber } from './errno.js';

const EEXIST = errnoNumber('EEXIST') ?? 17;

// Filter actions (seccomp.h). ERRNO and TRACE carry a 16-bit value in their low bits.
export const SCMP_ACT_KILL_PROCESS = 0x80000000;
export const SCMP_ACT_KILL_THREAD = 0x00000000;
export const SCMP_ACT_KILL = SCMP_ACT_KILL_THREAD;
export const SCMP_ACT_TRAP = 0x00030000;
export const SCMP_ACT_NOTIFY = 0x7fc00000;
export const SCMP_ACT_LOG = 0x7ffc0000;
export const SCMP_ACT_ALLOW = 0x7fff0000;
export const scmpActErrno = (errno: number): number => (0x00050000 | (errno & 0xffff)) >>> 0;
export const scmpActTrace = (msg: number): number => (0x7ff00000 | (msg & 0xffff)) >>> 0;

// enum scmp_compare
export const SCMP_CMP_NE = 1;
export const SCMP_CMP_LT = 2;
export const SCMP_CMP_LE = 3;
export const SCMP_CMP_EQ = 4;
export const SCMP_CMP_GE = 5;
export const SCMP_CMP_GT = 6;
export const SCMP_CMP_MASKED_EQ = 7;

// enum scmp_filter_attr
export const SCMP_FLTATR_ACT_DEFAULT = 1;
export const SCMP_FLTATR_ACT_BADARCH = 2;
export const SCMP_FLTATR_CTL_NNP = 3;
export const SCMP_FLTATR_CTL_TSYNC = 4;
export const SCMP_FLTATR_API_TSKIP = 5;
export const SCMP_FLTATR_CTL_LOG = 6;
export const SCMP_FLTATR_CTL_SSB = 7;
export const SCMP_FLTATR_CTL_OPTIMIZE = 8;
export const SCMP_FLTATR_API_SYSRAWRC = 9;
/** libseccomp >= 2.6 only; older libraries answer EINVAL. */
export const SCMP_FLTATR_CTL_WAITKILL = 10;

/** One condition on a syscall argument (struct scmp_arg_cmp). */
export interface ArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

/** An opaque scmp_filter_ctx (a Koffi pointer; fakes use any object). */
export type FilterContext = object;

export interface LibseccompVersion {
  major: number;
  minor: number;
  micro: number;
}

/** What the filter builder needs from libseccomp. */
export interface Libseccomp {
  init(defaultAction: number): FilterContext;
  release(ctx: FilterContext): void;
  /** Adds an architecture; one already in the filter (EEXIST) is not an error. */
  archAdd(ctx: FilterContext, arch: number, name: string): void;
  /** The token of an architecture name ("x86_64", "aarch64"...), undefined when unknown. */
  archResolveName(name: string): number | undefined;
  archNative(): number;
  /** The native number of a syscall (pseudo numbers are negative), undefined when unknown. */
  syscallResolveName(name: string): number | undefined;
  syscallResolveNameArch(arch: number, name: string): number | undefined;
  /** The name of a syscall number on an architecture, undefined when libseccomp does not know it. */
  syscallResolveNum(arch: number, nr: number): string | undefined;
  /** seccomp_rule_add_array; `name` is only for the error message. */
  ruleAdd(ctx: FilterContext, action: number, syscall: number, args: readonly ArgCmp[], name: string): void;
  attrSet(ctx: FilterContext, attr: number, value: number, what: string): void;
  exportBpf(ctx: FilterContext, fd: number): void;
  /** The BPF program seccomp_load would install (struct sock_filter[]), through a pipe. */
  exportProgram(ctx: FilterContext): Buffer;
  exportPfc(ctx: FilterContext, fd: number): void;
  version(): LibseccompVersion;
  /** The API level libseccomp detected for this kernel (seccomp_api_get). */
  apiLevel(): number;
}

const SONAME = 'libseccomp.so.2';

function bind() {
  let lib: LibraryHandle;
  try {
    lib = koffi.load(SONAME);
  } catch (err) {
    throw new RuntimeError(`cannot load ${SONAME}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const argCmp = koffi.struct('scmp_arg_cmp', {
    arg: 'unsigned int',
    op: 'int',
    datum_a: 'uint64_t',
    datum_b: 'uint64_t',
  });
  const version = koffi.struct('scmp_version', { major: 'unsigned int', minor: 'unsigned int', micro: 'unsigned int' });
  return {
    argCmp,
    init: lib.func('void *seccomp_init(uint32_t def_action)'),
    release: lib.func('void seccomp_release(void *ctx)'),
    archAdd: lib.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)'),
    archResolveName: lib.func('uint32_t seccomp_arch_resolve_name(const char *name)'),
    archNative: lib.func('uint32_t seccomp_arch_native(void)'),
    syscallResolveName: lib.func('int seccomp_syscall_resolve_name(const char *name)'),
    syscallResolveNameArch: lib.func('int seccomp_syscall_resolve_name_arch(uint32_t arch_token, const char *name)'),
    // Returns a malloc'd string the caller frees.
    syscallResolveNumArch: lib.func('void *seccomp_syscall_resolve_num_arch(uint32_t arch_token, int num)'),
    free: koffi.load('libc.so.6').func('void free(void *ptr)'),
    ruleAddArray: lib.func(
      'int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const scmp_arg_cmp *arg_array)',
    ),
    attrSet: lib.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)'),
    exportBpf: lib.func('int seccomp_export_bpf(void *ctx, int fd)'),
    exportPfc: lib.func('int seccomp_export_pfc(void *ctx, int fd)'),
    version: lib.func('const void *seccomp_version(void)'),
    versionStruct: version,
    apiGet: lib.func('unsigned int seccomp_api_get(void)'),
  };
}

type Raw = ReturnType<typeof bind>;
let raw: Raw | undefined;
const lib = (): Raw => (raw ??= bind());

/** __NR_SCMP_ERROR: the resolvers' "no such syscall". */
const NR_SCMP_ERROR = -1;

function check(ret: number, fn: string, what: string): void {
  if (ret < 0) throw new SyscallError(fn, what, -ret);
}

/** The real library. Creating it loads nothing; the first call does. */
export const libseccomp: Libseccomp = {
  init(defaultAction) {
    const ctx = lib().init(defaultAction >>> 0);
    // seccomp_init sets no errno: NULL means a bad action or no memory.
    if (!ctx) throw new RuntimeError(`seccomp_init: cannot create a filter with default action 0x${(defaultAction >>> 0).toString(16)}`);
    return ctx as FilterContext;
  },
  release(ctx) {
    lib().release(ctx);
  },
  archAdd(ctx, arch, name) {
    const ret = lib().archAdd(ctx, arch >>> 0) as number;
    if (ret === -EEXIST) return;
    check(ret, 'seccomp_arch_add', name);
  },
  archResolveName(name) {
    const token = lib().archResolveName(name) as number;
    return token === 0 ? undefined : token;
  },
  archNative() {
    return lib().archNative() as number;
  },
  syscallResolveName(name) {
    const nr = lib().syscallResolveName(name) as number;
    return nr === NR_SCMP_ERROR ? undefined : nr;
  },
  syscallResolveNameArch(arch, name) {
    const nr = lib().syscallResolveNameArch(arch >>> 0, name) as number;
    return nr === NR_SCMP_ERROR ? undefined : nr;
  },
  syscallResolveNum(arch, nr) {
    const ptr = lib().syscallResolveNumArch(arch >>> 0, nr);
    if (!ptr) return undefined;
    try {
      return koffi.decode(ptr, 'char', -1) as string;
    } finally {
      lib().free(ptr);
    }
  },
  ruleAdd(ctx, action, syscall, args, name) {
    const conds = args.map((a) => ({ arg: a.arg, op: a.op, datum_a: a.datumA, datum_b: a.datumB }));
    const ret = lib().ruleAddArray(ctx, action >>> 0, syscall, conds.length, conds.length ? conds : null) as number;
    check(ret, 'seccomp_rule_add', name);
  },
  attrSet(ctx, attr, value, what) {
    check(lib().attrSet(ctx, attr, value >>> 0) as number, 'seccomp_attr_set', what);
  },
  exportBpf(ctx, fd) {
    check(lib().exportBpf(ctx, fd) as number, 'seccomp_export_bpf', `fd ${fd}`);
  },
  exportProgram(ctx) {
    // Non-blocking: a program past the pipe's size (64 KiB, far past the kernel's 32 KiB limit) fails rather than blocks.
    const [r, w] = pipe2(O_CLOEXEC | O_NONBLOCK);
    try {
      try {
        this.exportBpf(ctx, w);
      } finally {
        closeSync(w);
      }
      const chunks: Buffer[] = [];
      for (;;) {
        const chunk = Buffer.alloc(8192);
        const n = readSync(r, chunk, 0, chunk.length, null);
        if (n === 0) return Buffer.concat(chunks);
        chunks.push(chunk.subarray(0, n));
      }
    } finally {
      closeSync(r);
    }
  },
  exportPfc(ctx, fd) {
    check(lib().exportPfc(ctx, fd) as number, 'seccomp_export_pfc', `fd ${fd}`);
  },
  version() {
    const ptr = lib().version();
    if (!ptr) throw new RuntimeError('seccomp_version returned nothing');
    const v = koffi.decode(ptr, lib().versionStruct) as LibseccompVersion;
    return { major: v.major, minor: v.minor, micro: v.micro };
  },
  apiLevel() {
    return lib().apiGet() as number;
  },
};
