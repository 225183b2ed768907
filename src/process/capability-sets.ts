// The process's capability sets as the kernel takes them: the plan's numbers
// (src/plan/process.ts, which skips the names this runtime or the running kernel does
// not know) as masks. The skipped names get one warning (runtime-spec: "SHOULD NOT
// fail"; runc: "ignoring unknown or unavailable capabilities: [A B]").
import { readFileSync } from 'node:fs';
import { CAP_LAST_CAP, lastCapFromKernel } from '../linux/capabilities.js';
import type { CapabilitiesPlan } from '../plan/types.js';

export interface CapabilityMasks {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  /** Ambient capabilities by number, in config order (raised one by one). */
  ambient: number[];
  /** Names skipped, sorted and unique (empty when all were usable). */
  unknown: string[];
}

/** The running kernel's cap_last_cap under a /proc mount, or this runtime's table's when unreadable. */
export function kernelLastCap(proc = '/proc'): number {
  try {
    return lastCapFromKernel(readFileSync(`${proc}/sys/kernel/cap_last_cap`, 'utf8'));
  } catch {
    return CAP_LAST_CAP;
  }
}

/** The plan's capability numbers as masks (bit n = capability n). */
export function capabilityMasks(caps: CapabilitiesPlan): CapabilityMasks {
  const mask = (numbers: readonly number[]) => numbers.reduce((m, n) => m | (1n << BigInt(n)), 0n);
  return {
    bounding: mask(caps.bounding),
    effective: mask(caps.effective),
    permitted: mask(caps.permitted),
    inheritable: mask(caps.inheritable),
    ambient: [...caps.ambient],
    unknown: [...caps.unknown],
  };
}

/** runc's warning text for skipped names (Go prints a []string as `[A B]`). */
export function unknownCapabilitiesWarning(unknown: readonly string[]): string {
  return `ignoring unknown or unavailable capabilities: [${unknown.join(' ')}]`;
}
