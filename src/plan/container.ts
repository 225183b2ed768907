// planContainer: the whole container decided from a validated spec, before anything
// is made. Pure: no filesystem, no syscalls; what depends on the host is passed in.
// Every problem found is reported at once, each at the JSON pointer of its field.
import * as path from 'node:path/posix';
import type { Spec } from '../generated/config.js';
import { personalityDomain } from '../linux/process-tables.js';
import { sysctlRelativePath } from '../config/sysctl-name.js';
import { containerPath } from '../rootfs/secure-path.js';
import { planDevices } from './devices.js';
import { planHooks } from './hooks.js';
import { PlanIssues } from './issues.js';
import { planMounts } from './mounts.js';
import { hasNamespace, planNamespaces } from './namespaces.js';
import { planProcess } from './process.js';
import { planRoot } from './root.js';
import type { ContainerPlan, PersonalityPlan, SysctlPlan, TimeOffsetPlan } from './types.js';

export interface PlanContainerOptions {
  id: string;
  /** Absolute bundle directory. */
  bundle: string;
  /** The running kernel's highest capability number. */
  lastCap: number;
  /** The runtime runs in a user namespace other than the initial one: devices are bound, as in one of the container's own. */
  runtimeInUserNamespace?: boolean;
}

/** Throws ConfigError (`invalid config.json: <pointer>: <message>`, one line per problem). */
export function planContainer(spec: Spec, opts: PlanContainerOptions): ContainerPlan {
  const issues = new PlanIssues();
  const { id, bundle } = opts;
  const namespaces = planNamespaces(spec.linux, issues);
  const mountNamespace = hasNamespace(namespaces, 'mount');
  const rootfs = path.resolve(bundle, spec.root?.path ?? 'rootfs');
  const mounts = planMounts(spec.mounts, bundle, issues, namespaces);
  if (!spec.process) issues.add(['process'], 'is required');
  const process = planProcess(spec.process ?? { cwd: '/' }, { lastCap: opts.lastCap }, issues, ['process']);
  const plan: ContainerPlan = {
    id,
    bundle,
    root: planRoot(spec, rootfs, mountNamespace, issues),
    mounts,
    namespaces,
    dev: planDevices(spec, mounts, hasNamespace(namespaces, 'user') || !!opts.runtimeInUserNamespace, issues),
    maskedPaths: uniquePaths(spec.linux?.maskedPaths),
    readonlyPaths: uniquePaths(spec.linux?.readonlyPaths),
    sysctls: planSysctls(spec, issues),
    timeOffsets: planTimeOffsets(spec),
    process,
    hooks: planHooks(spec, id, bundle),
  };
  if (spec.hostname !== undefined) plan.hostname = spec.hostname;
  if (spec.domainname !== undefined) plan.domainname = spec.domainname;
  const personality = planPersonality(spec, issues);
  if (personality) plan.personality = personality;
  if (spec.linux?.seccomp) plan.seccomp = spec.linux.seccomp;
  issues.throwIfAny('config.json');
  return plan;
}

function uniquePaths(paths: readonly string[] | undefined): string[] {
  return [...new Set((paths ?? []).map(containerPath))];
}

/** Each name becomes its path under /proc/sys; a name that would leave /proc/sys is refused. */
function planSysctls(spec: Spec, issues: PlanIssues): SysctlPlan[] {
  const out: SysctlPlan[] = [];
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    if (value === undefined) continue;
    const relative = sysctlRelativePath(key);
    if (key.includes('\0') || relative.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      issues.add(['linux', 'sysctl', key], `invalid sysctl key ${JSON.stringify(key)}`);
      continue;
    }
    out.push({ key, path: relative, value });
  }
  return out;
}

function planTimeOffsets(spec: Spec): TimeOffsetPlan[] {
  return Object.entries(spec.linux?.timeOffsets ?? {}).map(([clock, o]) => ({ clock, secs: o?.secs ?? 0, nanosecs: o?.nanosecs ?? 0 }));
}

function planPersonality(spec: Spec, issues: PlanIssues): PersonalityPlan | undefined {
  const p = spec.linux?.personality;
  if (!p) return undefined;
  const domain = issues.lookup(['linux', 'personality', 'domain'], () => personalityDomain(p.domain));
  return domain === undefined ? undefined : { domain, ignoredFlags: [...(p.flags ?? [])] };
}
