/**
 * Linux capability names ↔ numbers (linux/capability.h) and bitmask helpers.
 * Masks are BigInt because capability numbers already exceed 31 (CAP_MAC_OVERRIDE = 32).
 */
import { readFileSync } from 'node:fs';

/** All capability names known to this runtime, indexed by capability number. */
export const ALL_CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON', // 5.8
  'CAP_BPF', // 5.8
  'CAP_CHECKPOINT_RESTORE', // 40, 5.9
]);

/** Highest capability number this table knows (CAP_LAST_CAP in the headers we were written against). */
export const CAP_LAST_CAP = ALL_CAPABILITIES.length - 1;

const NUMBER_BY_NAME: ReadonlyMap<string, number> = new Map(ALL_CAPABILITIES.map((name, n) => [name, n]));

/** Capability number for an exact `CAP_*` name; throws `unknown capability "X"`. */
export function capNumber(name: string): number {
  const n = NUMBER_BY_NAME.get(name);
  if (n === undefined) throw new Error(`unknown capability ${JSON.stringify(name)}`);
  return n;
}

/** True if `name` is a capability this runtime knows. */
export function isKnownCapability(name: string): boolean {
  return NUMBER_BY_NAME.has(name);
}

/** `CAP_*` name for a number, or undefined for a number this table does not know (e.g. a newer kernel's). */
export function capName(n: number): string | undefined {
  return Number.isInteger(n) && n >= 0 ? ALL_CAPABILITIES[n] : undefined;
}

/** Bitmask (bit n = capability n) of the given names; throws on the first unknown name. */
export function capsToMask(names: Iterable<string>): bigint {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(capNumber(name));
  return mask;
}

/** Names of the known capabilities set in `mask`, in numeric order (unknown high bits are ignored). */
export function maskToCaps(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((_, n) => (mask >> BigInt(n)) & 1n);
}

/** Splits a mask into the two 32-bit words of struct __user_cap_data_struct[2] (_LINUX_CAPABILITY_VERSION_3). */
export function maskToWords(mask: bigint): [number, number] {
  return [Number(mask & 0xffffffffn), Number((mask >> 32n) & 0xffffffffn)];
}

export const CAP_LAST_CAP_PATH = '/proc/sys/kernel/cap_last_cap';

/**
 * The running kernel's highest capability number, from /proc/sys/kernel/cap_last_cap.
 * Pass `text` to parse given content instead of reading the file (tests).
 */
export function lastCapFromKernel(text?: string): number {
  const content = text ?? readFileSync(CAP_LAST_CAP_PATH, 'utf8');
  const trimmed = content.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new Error(`invalid ${CAP_LAST_CAP_PATH} content ${JSON.stringify(content)}`);
  }
  return Number(trimmed);
}
