// `mounts` → mount plans: options parsed once (src/linux/mount-options.ts), destinations
// normalised, bind sources resolved against the bundle.
import * as path from 'node:path/posix';
import type { Mount } from '../generated/config.js';
import { isBindMount, parseMountOptions } from '../linux/mount-options.js';
import { containerPath } from '../rootfs/secure-path.js';
import type { PlanIssues } from './issues.js';
import type { MountPlan } from './types.js';

export function planMounts(mounts: readonly Mount[] | undefined, bundle: string, issues: PlanIssues): MountPlan[] {
  return (mounts ?? []).map((m, i) => planMount(m, bundle, issues, ['mounts', i]));
}

export function planMount(m: Mount, bundle: string, issues: PlanIssues, at: readonly (string | number)[] = []): MountPlan {
  const options = parseMountOptions(m.options);
  for (const option of options.unsupported) {
    issues.add([...at, 'options', m.options!.indexOf(option)], `mount option ${option} is not supported`);
  }
  const bind = isBindMount(m);
  const type = m.type ?? '';
  const destination = containerPath(m.destination);
  return {
    destination,
    type,
    ...(m.source !== undefined ? { source: m.source } : {}),
    bind,
    ...(bind ? { bindSource: path.resolve(bundle, m.source ?? '') } : {}),
    options,
    deferredReadonly: !bind && (type === 'tmpfs' || destination === '/dev'),
  };
}
