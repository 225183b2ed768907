// `linux.seccomp` → a libseccomp filter, with runc's semantics (libcontainer/seccomp and specconv):
// - SCMP_ACT_KILL kills the thread; SCMP_ACT_ERRNO and SCMP_ACT_TRACE return EPERM unless errnoRet says
//   otherwise;
// - the native architecture is always in the filter; listed ones are added;
// - every name of a syscall entry is a rule of its own; names libseccomp cannot resolve on the native
//   architecture are skipped (the kernel or library is older than the profile), and so are rules whose
//   action equals the default (libseccomp refuses them);
// - the args of an entry make one rule with all conditions, unless two conditions test the same
//   argument: then each condition is a rule of its own (libseccomp cannot AND two checks of one argument);
// - syscalls newer than the profile (numbered above the highest syscall it names) answer ENOSYS instead of
//   a denying default action, as runc's patched filter does, so that libc falls back to an older call
//   (close_range, faccessat2, clone3...) instead of failing on EPERM;
// - no_new_privs is left to the runtime (the filter does not set it), and TSYNC is never used: the filter
//   is loaded on the thread that calls execve, and the other threads die there.
//
// The runtime compiles the filter (compileSeccompFilter) while the init starts, so a bad profile fails
// `create` (or `exec`) and the init loads a finished BPF program with seccomp(2), at the last moment
// before execve, without libseccomp.
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompFlag, LinuxSeccompOperator } from '../generated/config.js';
import type { LinuxSeccompArch } from '../generated/features.js';
import { RuntimeError, SyscallError } from '../errors.js';
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
  SCMP_CMP_GE,
  SCMP_CMP_GT,
  SCMP_CMP_LE,
  SCMP_CMP_LT,
  SCMP_CMP_MASKED_EQ,
  SCMP_CMP_NE,
  SCMP_FLTATR_CTL_LOG,
  SCMP_FLTATR_CTL_NNP,
  SCMP_FLTATR_CTL_OPTIMIZE,
  SCMP_FLTATR_CTL_SSB,
  SCMP_FLTATR_CTL_WAITKILL,
  scmpActErrno,
  scmpActTrace,
} from '../../ffi/seccomp.js';

const EPERM = 1;
const ENOSYS = 38;
/** Past every syscall number of every Linux ABI (x32's start at 512, with bit 30 set on top). */
const SYSCALL_NR_LIMIT = 1024;
/** Linux syscalls take at most 6 arguments. */
const MAX_ARGS = 6;
/** Above this many rules libseccomp's binary-tree layout is faster to evaluate (runc's threshold). */
const OPTIMIZE_ABOVE = 32;

export const SECCOMP_ACTIONS: readonly LinuxSeccompAction[] = [
  'SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP',
];

const OPERATORS: Record<LinuxSeccompOperator, number> = {
  SCMP_CMP_NE: SCMP_CMP_NE,
  SCMP_CMP_LT: SCMP_CMP_LT,
  SCMP_CMP_LE: SCMP_CMP_LE,
  SCMP_CMP_EQ: SCMP_CMP_EQ,
  SCMP_CMP_GE: SCMP_CMP_GE,
  SCMP_CMP_GT: SCMP_CMP_GT,
  SCMP_CMP_MASKED_EQ: SCMP_CMP_MASKED_EQ,
};
export const SECCOMP_OPERATORS = Object.keys(OPERATORS).sort() as LinuxSeccompOperator[];

/** Every architecture name the spec knows; `seccompArchitectures()` keeps those libseccomp knows. */
const SPEC_ARCHS: readonly LinuxSeccompArch[] = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
];

/** The flags this runtime knows; which of them can be set depends on libseccomp and the kernel. */
export const KNOWN_SECCOMP_FLAGS: readonly LinuxSeccompFlag[] = [
  'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
];

/** Filter attributes that carry each flag (TSYNC has none: it is accepted and ignored, as runc does). */
const FLAG_ATTRIBUTES: Partial<Record<LinuxSeccompFlag, number>> = {
  SECCOMP_FILTER_FLAG_LOG: SCMP_FLTATR_CTL_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SCMP_FLTATR_CTL_SSB,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SCMP_FLTATR_CTL_WAITKILL,
};

/** libseccomp's name of a spec architecture: SCMP_ARCH_X86_64 → x86_64. */
export function libseccompArchName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

/** The libseccomp action value of a spec action (with errnoRet for ERRNO and TRACE). */
export function seccompAction(action: LinuxSeccompAction, errnoRet?: number): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SCMP_ACT_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SCMP_ACT_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SCMP_ACT_TRAP;
    case 'SCMP_ACT_ERRNO':
      return scmpActErrno(errnoRet ?? EPERM);
    case 'SCMP_ACT_TRACE':
      return scmpActTrace(errnoRet ?? EPERM);
    case 'SCMP_ACT_ALLOW':
      return SCMP_ACT_ALLOW;
    case 'SCMP_ACT_LOG':
      return SCMP_ACT_LOG;
    case 'SCMP_ACT_NOTIFY':
      // The listener fd handoff (listenerPath) is not implemented; config validation refuses it too.
      throw new RuntimeError('seccomp action SCMP_ACT_NOTIFY is not supported');
    default:
      throw new RuntimeError(`unknown seccomp action ${JSON.stringify(action)}`);
  }
}

/** A uint64 from the config (JSON numbers past 2^53 have lost their low bits already). */
function datum(value: number | undefined): bigint {
  if (value === undefined) return 0n;
  if (!Number.isFinite(value) || value < 0) throw new RuntimeError(`invalid seccomp argument value ${value}`);
  return value >= 2 ** 64 ? 2n ** 64n - 1n : BigInt(Math.trunc(value));
}

function condition(arg: LinuxSeccompArg, syscall: string): ArgCmp {
  const op = OPERATORS[arg.op];
  if (op === undefined) throw new RuntimeError(`seccomp rule for syscall ${syscall}: unknown operator ${JSON.stringify(arg.op)}`);
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index >= MAX_ARGS) {
    throw new RuntimeError(`seccomp rule for syscall ${syscall}: argument index ${arg.index} out of range (0-${MAX_ARGS - 1})`);
  }
  return { arg: arg.index, op, datumA: datum(arg.value), datumB: datum(arg.valueTwo) };
}

/** The condition sets of one syscall entry: one rule, or one per condition when an argument repeats. */
export function ruleConditions(args: readonly LinuxSeccompArg[] | undefined, syscall: string): ArgCmp[][] {
  if (!args?.length) return [[]];
  const conds = args.map((a) => condition(a, syscall));
  const indexes = new Set(conds.map((c) => c.arg));
  return indexes.size === conds.length ? [conds] : conds.map((c) => [c]);
}

/** A filter built and ready: its program is exported (compileSeccompFilter), then it is released. */
export interface SeccompFilter {
  /** The BPF program seccomp_load would install (seccomp_export_bpf). */
  exportProgram(): Buffer;
  release(): void;
  /** Names skipped because libseccomp does not know them on this architecture. */
  readonly unknownSyscalls: readonly string[];
  /** Rules added (one per name and condition set). */
  readonly ruleCount: number;
  /** Syscalls newer than the profile, answered with ENOSYS. */
  readonly enosysSyscalls: readonly string[];
}

export interface BuildOptions {
  /** Where debug lines go (skipped names). */
  debug?: (message: string) => void;
}

/** Builds the filter for `spec`; throws (and frees the context) on any error. */
export function buildSeccompFilter(spec: LinuxSeccomp, lib: Libseccomp = libseccomp, opts: BuildOptions = {}): SeccompFilter {
  if (spec.listenerPath) throw new RuntimeError('seccomp listenerPath is not supported');
  const defaultAction = seccompAction(spec.defaultAction, spec.defaultErrnoRet);
  // Resolve every action first, so a bad entry fails before any library work.
  const entries = (spec.syscalls ?? []).map((sc) => ({ sc, action: seccompAction(sc.action, sc.errnoRet) }));

  const ctx: FilterContext = lib.init(defaultAction);
  let released = false;
  const release = () => {
    if (!released) lib.release(ctx);
    released = true;
  };
  try {
    for (const arch of spec.architectures ?? []) {
      const name = libseccompArchName(arch);
      const token = lib.archResolveName(name);
      if (token === undefined) throw new RuntimeError(`seccomp architecture ${arch} is not known to libseccomp`);
      lib.archAdd(ctx, token, arch);
    }
    for (const flag of spec.flags ?? []) setFlag(lib, ctx, flag);
    const names = entries.reduce((n, e) => n + e.sc.names.length, 0);
    if (names > OPTIMIZE_ABOVE) {
      try {
        lib.attrSet(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2, 'SCMP_FLTATR_CTL_OPTIMIZE');
      } catch {
        // An older libseccomp: the default layout is correct, only slower.
      }
    }
    lib.attrSet(ctx, SCMP_FLTATR_CTL_NNP, 0, 'SCMP_FLTATR_CTL_NNP');

    const unknownSyscalls: string[] = [];
    let ruleCount = 0;
    for (const { sc, action } of entries) {
      if (action === defaultAction) continue;
      for (const name of sc.names) {
        if (name === '') throw new RuntimeError('seccomp: empty string is not a valid syscall');
        const nr = lib.syscallResolveName(name);
        if (nr === undefined) {
          unknownSyscalls.push(name);
          opts.debug?.(`unknown seccomp syscall ${JSON.stringify(name)} ignored`);
          continue;
        }
        for (const conds of ruleConditions(sc.args, name)) {
          lib.ruleAdd(ctx, action, nr, conds, name);
          ruleCount++;
        }
      }
    }
    const enosysSyscalls = addEnosysForNewerSyscalls(lib, ctx, spec, defaultAction);
    return {
      exportProgram: () => {
        if (released) throw new RuntimeError('seccomp filter already released');
        return lib.exportProgram(ctx);
      },
      release,
      unknownSyscalls,
      ruleCount,
      enosysSyscalls,
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * runc's -ENOSYS rule: a profile that denies by default names every syscall it allows, so a syscall
 * younger than the profile would get the default action (EPERM, a kill) where the kernel lacking it
 * would say ENOSYS and libc would fall back. Every syscall the native architecture numbers above the
 * highest one the profile names gets an ENOSYS rule (libseccomp carries it to the other architectures
 * by name). Not when the default lets calls through (ALLOW, LOG, TRACE) or already is ENOSYS.
 * Syscalls this libseccomp does not know keep the default action.
 */
function addEnosysForNewerSyscalls(lib: Libseccomp, ctx: FilterContext, spec: LinuxSeccomp, defaultAction: number): string[] {
  if (['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'].includes(spec.defaultAction)) return [];
  const enosys = scmpActErrno(ENOSYS);
  if (defaultAction === enosys) return [];
  let newest = -1;
  for (const sc of spec.syscalls ?? []) {
    for (const name of sc.names) {
      const nr = lib.syscallResolveName(name);
      if (nr !== undefined && nr > newest) newest = nr;
    }
  }
  if (newest < 0) return [];
  const native = lib.archNative();
  const added: string[] = [];
  for (let nr = newest + 1; nr < SYSCALL_NR_LIMIT; nr++) {
    const name = lib.syscallResolveNum(native, nr);
    if (name === undefined) continue;
    lib.ruleAdd(ctx, enosys, nr, [], name);
    added.push(name);
  }
  return added;
}

function setFlag(lib: Libseccomp, ctx: FilterContext, flag: LinuxSeccompFlag): void {
  if (flag === 'SECCOMP_FILTER_FLAG_TSYNC') return; // the filter goes on the thread that execs
  const attr = FLAG_ATTRIBUTES[flag];
  if (attr === undefined) throw new RuntimeError(`seccomp flag ${flag} is not known to ocirt`);
  try {
    lib.attrSet(ctx, attr, 1, flag);
  } catch (err) {
    const why = err instanceof SyscallError ? err.code : String(err);
    throw new RuntimeError(`seccomp flag ${flag} is not supported by libseccomp or the kernel (${why})`, { cause: err });
  }
}

// --- compiled filters -----------------------------------------------------------------

/** A filter as the init loads it: libseccomp's BPF program and the flags for seccomp(2). */
export interface CompiledSeccomp {
  /** struct sock_filter[], base64 (it travels in the init's JSON config). */
  program: string;
  /** SECCOMP_FILTER_FLAG_* for SECCOMP_SET_MODE_FILTER. */
  flags: number;
}

const SECCOMP_FILTER_FLAG_LOG = 2;
const SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
/** Larger than any program the kernel takes (BPF_MAXINSNS, 4096 instructions of 8 bytes). */
const MAX_PROGRAM_BYTES = 4096 * 8;

/**
 * The kernel flags seccomp_load would pass for the spec's flags. TSYNC is ignored (see the
 * top), and WAIT_KILLABLE_RECV concerns a notify listener, which is refused.
 */
export function seccompKernelFlags(spec: LinuxSeccomp): number {
  let flags = 0;
  for (const flag of spec.flags ?? []) {
    if (flag === 'SECCOMP_FILTER_FLAG_LOG') flags |= SECCOMP_FILTER_FLAG_LOG;
    if (flag === 'SECCOMP_FILTER_FLAG_SPEC_ALLOW') flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  }
  return flags;
}

/** Builds the filter and exports the BPF program libseccomp would load (seccomp_export_bpf). */
export function compileSeccompFilter(spec: LinuxSeccomp, lib: Libseccomp = libseccomp, opts: BuildOptions = {}): CompiledSeccomp {
  const filter = buildSeccompFilter(spec, lib, opts);
  try {
    const program = filter.exportProgram();
    if (program.length === 0 || program.length % 8 !== 0 || program.length > MAX_PROGRAM_BYTES) {
      throw new RuntimeError(`seccomp: libseccomp exported a program of ${program.length} bytes`);
    }
    return { program: program.toString('base64'), flags: seccompKernelFlags(spec) };
  } finally {
    filter.release();
  }
}

// --- features -----------------------------------------------------------------------

/** The spec architectures libseccomp can resolve. */
export function seccompArchitectures(lib: Libseccomp = libseccomp): LinuxSeccompArch[] {
  return SPEC_ARCHS.filter((a) => lib.archResolveName(libseccompArchName(a)) !== undefined).sort();
}

/** The known flags that this libseccomp and kernel can set. */
export function supportedSeccompFlags(lib: Libseccomp = libseccomp): LinuxSeccompFlag[] {
  const ctx = lib.init(SCMP_ACT_ALLOW);
  try {
    return KNOWN_SECCOMP_FLAGS.filter((flag) => {
      try {
        setFlag(lib, ctx, flag);
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    lib.release(ctx);
  }
}
