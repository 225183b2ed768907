// The process's capability sets from the config, as runc reads them: names this
// runtime does not know, or that the running kernel does not have, are skipped with
// one warning (runtime-spec: "SHOULD NOT fail"; runc: "ignoring unknown or
// unavailable capabilities: [A B]").
import { readFileSync } from 'node:fs';
import { CAP_LAST_CAP, isKnownCapability, capNumber, lastCapFromKernel } from '../linux/capabilities.js';
import type { LinuxCapabilities } from '../generated/config.js';

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

/** Converts the config's name lists into masks, collecting the unusable names. */
export function capabilityMasks(caps: LinuxCapabilities | undefined, lastCap: number): CapabilityMasks {
  const unknown = new Set<string>();
  const numbers = (names: readonly string[] | undefined): number[] => {
    const out: number[] = [];
    for (const name of names ?? []) {
      const n = isKnownCapability(name) ? capNumber(name) : -1;
      if (n < 0 || n > lastCap) unknown.add(name);
      else out.push(n);
    }
    return out;
  };
  const mask = (names: readonly string[] | undefined) => numbers(names).reduce((m, n) => m | (1n << BigInt(n)), 0n);
  return {
    bounding: mask(caps?.bounding),
    effective: mask(caps?.effective),
    permitted: mask(caps?.permitted),
    inheritable: mask(caps?.inheritable),
    ambient: [...new Set(numbers(caps?.ambient))],
    unknown: [...unknown].sort(),
  };
}

/** runc's warning text for skipped names (Go prints a []string as `[A B]`). */
export function unknownCapabilitiesWarning(unknown: readonly string[]): string {
  return `ignoring unknown or unavailable capabilities: [${unknown.join(' ')}]`;
}
