/**
 * OCI `process.rlimits[].type` names → setrlimit/prlimit resource numbers
 * (asm-generic/resource.h; identical on x86_64 and arm64).
 */
import {
  RLIMIT_AS,
  RLIMIT_CORE,
  RLIMIT_CPU,
  RLIMIT_DATA,
  RLIMIT_FSIZE,
  RLIMIT_LOCKS,
  RLIMIT_MEMLOCK,
  RLIMIT_MSGQUEUE,
  RLIMIT_NICE,
  RLIMIT_NOFILE,
  RLIMIT_NPROC,
  RLIMIT_RSS,
  RLIMIT_RTPRIO,
  RLIMIT_RTTIME,
  RLIMIT_SIGPENDING,
  RLIMIT_STACK,
} from '../../ffi/constants.js';

/** Every resource limit the kernel defines, by its `RLIMIT_*` name. */
export const RLIMITS: Readonly<Record<string, number>> = Object.freeze({
  RLIMIT_CPU,
  RLIMIT_FSIZE,
  RLIMIT_DATA,
  RLIMIT_STACK,
  RLIMIT_CORE,
  RLIMIT_RSS,
  RLIMIT_NPROC,
  RLIMIT_NOFILE,
  RLIMIT_MEMLOCK,
  RLIMIT_AS,
  RLIMIT_LOCKS,
  RLIMIT_SIGPENDING,
  RLIMIT_MSGQUEUE,
  RLIMIT_NICE,
  RLIMIT_RTPRIO,
  RLIMIT_RTTIME,
});

const NAME_BY_RESOURCE: ReadonlyMap<number, string> = new Map(Object.entries(RLIMITS).map(([name, n]) => [n, name]));

/** Resource number for an exact `RLIMIT_*` name; throws `unknown rlimit type "X"`. */
export function rlimitResource(type: string): number {
  if (!Object.hasOwn(RLIMITS, type)) throw new Error(`unknown rlimit type ${JSON.stringify(type)}`);
  return RLIMITS[type] as number;
}

/** `RLIMIT_*` name of a resource number, or undefined. */
export function rlimitName(resource: number): string | undefined {
  return NAME_BY_RESOURCE.get(resource);
}
