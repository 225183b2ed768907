// Plans for the unit tests, made by the real planners from spec literals: a test writes
// the config it means and gets what the runtime would send the init.
import type { Mount, Process, Spec } from '../../src/generated/config.js';
import { CAP_LAST_CAP } from '../../src/linux/capabilities.js';
import { planContainer } from '../../src/plan/container.js';
import { PlanIssues } from '../../src/plan/issues.js';
import { planMount } from '../../src/plan/mounts.js';
import { planProcess } from '../../src/plan/process.js';
import type { ContainerPlan, MountPlan, ProcessPlan } from '../../src/plan/types.js';

/**
 * Any part of a spec; the rest is a minimal valid container (`sh` in `/`). Loose where
 * tests write values the schema would refuse, to see what the planner makes of them.
 */
export interface SpecLiteral {
  root?: { path?: string; readonly?: boolean };
  mounts?: Mount[];
  process?: Partial<Process>;
  hostname?: string;
  domainname?: string;
  hooks?: Spec['hooks'];
  annotations?: Record<string, string>;
  linux?: Record<string, unknown>;
}

export interface PlanOfOptions {
  id?: string;
  bundle?: string;
  /** The rootfs the plan names (default: `<bundle>/rootfs`). */
  rootfs?: string;
  lastCap?: number;
}

/** The container plan of a spec literal (throws ConfigError as planContainer does). */
export function planOf(spec: SpecLiteral = {}, opts: PlanOfOptions = {}): ContainerPlan {
  const full = { ociVersion: '1.3.0', ...spec, process: { cwd: '/', args: ['sh'], ...spec.process } } as unknown as Spec;
  const plan = planContainer(full, { id: opts.id ?? 'c1', bundle: opts.bundle ?? '/bundle', lastCap: opts.lastCap ?? CAP_LAST_CAP });
  if (opts.rootfs !== undefined) plan.root.path = opts.rootfs;
  return plan;
}

/** One mount's plan, bind sources taken from `bundle`; a problem throws its message. */
export function mountPlan(m: Mount, bundle = '/bundle'): MountPlan {
  const issues = new PlanIssues();
  const plan = planMount(m, bundle, issues);
  issues.throwIfAny('mount');
  return plan;
}

/** A process plan from a process literal (cwd `/` unless given). */
export function processPlan(proc: Partial<Process> = {}, lastCap = CAP_LAST_CAP): ProcessPlan {
  const issues = new PlanIssues();
  const plan = planProcess({ cwd: '/', ...proc }, { lastCap }, issues, []);
  issues.throwIfAny('process');
  return plan;
}
