/**
 * Name → number tables for the process attributes of an OCI config: personality,
 * I/O priority, and scheduler policy/flags.
 */
import {
  ADDR_COMPAT_LAYOUT,
  ADDR_LIMIT_32BIT,
  ADDR_LIMIT_3GB,
  ADDR_NO_RANDOMIZE,
  FDPIC_FUNCPTRS,
  IOPRIO_CLASS_BE,
  IOPRIO_CLASS_IDLE,
  IOPRIO_CLASS_RT,
  IOPRIO_CLASS_SHIFT,
  IOPRIO_NR_LEVELS,
  IOPRIO_PRIO_MASK,
  MMAP_PAGE_ZERO,
  PER_LINUX,
  PER_LINUX32,
  READ_IMPLIES_EXEC,
  SCHED_BATCH,
  SCHED_DEADLINE,
  SCHED_FIFO,
  SCHED_FLAG_DL_OVERRUN,
  SCHED_FLAG_KEEP_PARAMS,
  SCHED_FLAG_KEEP_POLICY,
  SCHED_FLAG_RECLAIM,
  SCHED_FLAG_RESET_ON_FORK,
  SCHED_FLAG_UTIL_CLAMP_MAX,
  SCHED_FLAG_UTIL_CLAMP_MIN,
  SCHED_IDLE,
  SCHED_ISO,
  SCHED_OTHER,
  SCHED_RR,
  SHORT_INODE,
  STICKY_TIMEOUTS,
  UNAME26,
  WHOLE_SECONDS,
} from '../../ffi/constants.js';

function lookup(table: Readonly<Record<string, number>>, name: string, what: string): number {
  if (!Object.hasOwn(table, name)) throw new Error(`unknown ${what} ${JSON.stringify(name)}`);
  return table[name] as number;
}

// ---------------------------------------------------------------------------
// personality(2): linux.personality.domain / .flags

/** Execution domains the runtime-spec allows (`LINUX32` makes uname report a 32-bit machine). */
export const PERSONALITY_DOMAINS: Readonly<Record<string, number>> = Object.freeze({
  LINUX: PER_LINUX,
  LINUX32: PER_LINUX32,
});

/**
 * Personality flag bits by kernel name. runtime-spec v1.3.0 defines no flag values yet
 * (runc ignores them with a warning); the table lets callers name what they reject.
 */
export const PERSONALITY_FLAGS: Readonly<Record<string, number>> = Object.freeze({
  UNAME26,
  ADDR_NO_RANDOMIZE,
  FDPIC_FUNCPTRS,
  MMAP_PAGE_ZERO,
  ADDR_COMPAT_LAYOUT,
  READ_IMPLIES_EXEC,
  ADDR_LIMIT_32BIT,
  SHORT_INODE,
  WHOLE_SECONDS,
  STICKY_TIMEOUTS,
  ADDR_LIMIT_3GB,
});

/** personality(2) value of a domain name; throws `unknown personality domain "X"`. */
export function personalityDomain(name: string): number {
  return lookup(PERSONALITY_DOMAINS, name, 'personality domain');
}

/** Bit of a personality flag name; throws `unknown personality flag "X"`. */
export function personalityFlag(name: string): number {
  return lookup(PERSONALITY_FLAGS, name, 'personality flag');
}

/** The full personality(2) argument: domain OR flags. */
export function personalityValue(domain: string, flags: readonly string[] = []): number {
  return flags.reduce((value, flag) => value | personalityFlag(flag), personalityDomain(domain));
}

// ---------------------------------------------------------------------------
// ioprio_set(2): process.ioPriority {class, priority}

/** I/O scheduling classes the runtime-spec allows. */
export const IOPRIO_CLASSES: Readonly<Record<string, number>> = Object.freeze({
  IOPRIO_CLASS_RT,
  IOPRIO_CLASS_BE,
  IOPRIO_CLASS_IDLE,
});

/** Class number of an `IOPRIO_CLASS_*` name; throws `unknown ioprio class "X"`. */
export function ioprioClass(name: string): number {
  return lookup(IOPRIO_CLASSES, name, 'ioprio class');
}

/**
 * The ioprio_set(2) value, IOPRIO_PRIO_VALUE(class, level) = class << 13 | level.
 * `level` is the spec's `priority`: 0 (highest) to 7 (lowest); anything else throws.
 */
export function ioprioValue(cls: number, level: number): number {
  if (!Number.isInteger(level) || level < 0 || level >= IOPRIO_NR_LEVELS) {
    throw new Error(`invalid ioprio priority ${level}: must be 0 to ${IOPRIO_NR_LEVELS - 1}`);
  }
  if (!Number.isInteger(cls) || cls < 0 || cls > 7) throw new Error(`invalid ioprio class ${cls}`);
  return (cls << IOPRIO_CLASS_SHIFT) | level;
}

/** The ioprio_set(2) value for an OCI `process.ioPriority` object. */
export function ioprioFromSpec(io: { class: string; priority: number }): number {
  return ioprioValue(ioprioClass(io.class), io.priority);
}

/** IOPRIO_PRIO_CLASS(value). */
export function ioprioClassOf(value: number): number {
  return (value >> IOPRIO_CLASS_SHIFT) & 0x7;
}

/** IOPRIO_PRIO_DATA(value): the level within the class. */
export function ioprioLevelOf(value: number): number {
  return value & IOPRIO_PRIO_MASK;
}

// ---------------------------------------------------------------------------
// sched_setattr(2): process.scheduler {policy, flags}

/** Scheduling policies the runtime-spec lists. SCHED_ISO is reserved and rejected by the kernel. */
export const SCHED_POLICIES: Readonly<Record<string, number>> = Object.freeze({
  SCHED_OTHER,
  SCHED_FIFO,
  SCHED_RR,
  SCHED_BATCH,
  SCHED_ISO,
  SCHED_IDLE,
  SCHED_DEADLINE,
});

/** sched_attr.sched_flags bits the runtime-spec lists. */
export const SCHED_FLAGS: Readonly<Record<string, number>> = Object.freeze({
  SCHED_FLAG_RESET_ON_FORK,
  SCHED_FLAG_RECLAIM,
  SCHED_FLAG_DL_OVERRUN,
  SCHED_FLAG_KEEP_POLICY,
  SCHED_FLAG_KEEP_PARAMS,
  SCHED_FLAG_UTIL_CLAMP_MIN,
  SCHED_FLAG_UTIL_CLAMP_MAX,
});

/** Policy number of a `SCHED_*` name; throws `unknown scheduler policy "X"`. */
export function schedPolicy(name: string): number {
  return lookup(SCHED_POLICIES, name, 'scheduler policy');
}

/** Bit of a `SCHED_FLAG_*` name; throws `unknown scheduler flag "X"`. */
export function schedFlag(name: string): number {
  return lookup(SCHED_FLAGS, name, 'scheduler flag');
}

/** OR of the named scheduler flags; throws on the first unknown name. */
export function schedFlagsToMask(names: readonly string[] = []): number {
  return names.reduce((mask, name) => mask | schedFlag(name), 0);
}
