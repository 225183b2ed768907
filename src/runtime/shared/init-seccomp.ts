// The container's seccomp profile as its init or exec init loads it: compiled once, or
// read from the cache in the state root (src/process/seccomp-cache.ts), by `compile`,
// which the runtime runs while the init starts (joinCgroupAroundBoot's `duringBoot`).
import type { LinuxSeccomp } from '../../generated/config.js';
import type { CompiledSeccomp } from '../../process/seccomp.js';
import { cachedSeccompFilter } from '../../process/seccomp-cache.js';
import { packageVersion } from '../../cli/version.js';
import type { RuntimeContext } from './context.js';

export interface InitSeccomp {
  /** Undefined without a profile; compiles at the first call only (an exec init may be started again). */
  compile: (() => void) | undefined;
  /** The compiled filter, once `compile` has run. */
  readonly compiled: CompiledSeccomp | undefined;
}

export function initSeccomp(ctx: RuntimeContext, spec: LinuxSeccomp | undefined): InitSeccomp {
  let compiled: CompiledSeccomp | undefined;
  const compile = spec ? () => {
    compiled ??= ctx.log.step('compile seccomp filter', () =>
      cachedSeccompFilter(ctx.store.root, spec, packageVersion(), { debug: (m) => ctx.log.debug(m) }));
  } : undefined;
  return { compile, get compiled() { return compiled; } };
}
