/**
 * Value conversions shared by the v1 and v2 controllers, following runc's conventions: in `linux.resources`
 * a 0 means "not set" (nothing is written, the cgroup keeps its value) and -1 means "no limit".
 */
import type { LinuxResources } from '../generated/config.js';
import { CgroupError } from './errors.js';

export type { LinuxResources };

/** What a controller's apply hook may need besides the resources. */
export interface ApplyContext {
  /** `linux.devices` of the config: runc leaves out its default device rules for paths the config lists. */
  configDevices?: readonly { path: string }[];
  /** Called with runc-style warnings (kernel memory ignored…). */
  warn(message: string): void;
}

/** The cgroup v2 spelling of a number: 0 → undefined (leave alone), -1 → `max`, else decimal. */
export function v2Number(value: number | undefined): string | undefined {
  if (value === undefined || value === 0) return undefined;
  if (value === -1) return 'max';
  return String(value);
}

/** cpu.shares (2..262144) → cpu.weight (1..10000), runc's linear mapping; 0 stays 0 (unset). */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight (10..1000) → io.weight (1..10000), runc's linear mapping; 0 stays 0 (unset). */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * v1 memory+swap total → v2 `memory.swap.max` (swap alone), as runc converts it: unset swap with an unlimited
 * memory means unlimited swap too; -1 and 0 pass through; otherwise swap − limit, which needs a real limit.
 */
export function memorySwapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1) throw new CgroupError('unable to set swap limit without memory limit');
  if (limit < 0) throw new CgroupError(`invalid memory value: ${limit}`);
  if (swap < limit) throw new CgroupError('memory+swap limit should be >= memory limit');
  return swap - limit;
}

/** `major:minor` with runc's wildcard spelling for an unset number. */
export function deviceNumbers(major: number | undefined, minor: number | undefined): string {
  const part = (n: number | undefined): string => (n === undefined || n < 0 ? '*' : String(n));
  return `${part(major)}:${part(minor)}`;
}

/** Whether `resources.memory` asks for anything (runc's isMemorySet). */
export function hasMemorySettings(r: LinuxResources): boolean {
  const m = r.memory;
  if (m === undefined) return false;
  return (
    !!m.limit || !!m.reservation || !!m.swap || m.swappiness !== undefined || !!m.disableOOMKiller
  );
}

/** runc 1.1 warns once for any kernel memory setting and writes nothing for it. */
export function warnKernelMemory(r: LinuxResources, ctx: ApplyContext): void {
  if (r.memory?.kernel || r.memory?.kernelTCP) ctx.warn('Kernel memory settings are ignored and will be removed');
}
