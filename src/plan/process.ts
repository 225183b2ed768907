// `process` → the process plan: capability, rlimit, scheduler and I/O priority names
// turned into numbers, the environment checked and de-duplicated. `at` is where the
// process object sits in its document (`/process` in config.json, the root of exec's
// --process file).
import type { Process } from '../generated/config.js';
import { capNumber, isKnownCapability } from '../linux/capabilities.js';
import { rlimitResource } from '../linux/rlimits.js';
import { ioprioFromSpec, schedFlagsToMask, schedPolicy } from '../linux/process-tables.js';
import { InvalidEnvError, dedupEnv } from '../process/env.js';
import type { PlanIssues } from './issues.js';
import type { CapabilitiesPlan, ProcessPlan, RlimitPlan, SchedulerPlan } from './types.js';

export interface ProcessPlanOptions {
  /** The running kernel's highest capability number (names beyond it are skipped with a warning). */
  lastCap: number;
}

type Tokens = readonly (string | number)[];

export function planProcess(proc: Process, opts: ProcessPlanOptions, issues: PlanIssues, at: Tokens): ProcessPlan {
  const user = proc.user;
  const plan: ProcessPlan = {
    args: [...(proc.args ?? [])],
    env: planEnv(proc.env, issues, [...at, 'env']),
    cwd: proc.cwd,
    terminal: !!proc.terminal,
    uid: user?.uid ?? 0,
    gid: user?.gid ?? 0,
    additionalGids: [...(user?.additionalGids ?? [])],
    capabilities: planCapabilities(proc.capabilities, opts.lastCap),
    rlimits: planRlimits(proc, issues, at),
    noNewPrivileges: !!proc.noNewPrivileges,
  };
  if (proc.terminal && proc.consoleSize) plan.consoleSize = { height: proc.consoleSize.height, width: proc.consoleSize.width };
  if (user?.umask !== undefined) plan.umask = user.umask;
  if (proc.apparmorProfile) plan.apparmorProfile = proc.apparmorProfile;
  if (proc.selinuxLabel) plan.selinuxLabel = proc.selinuxLabel;
  if (proc.oomScoreAdj !== undefined) {
    if (Number.isInteger(proc.oomScoreAdj)) plan.oomScoreAdj = proc.oomScoreAdj;
    else issues.add([...at, 'oomScoreAdj'], `invalid oomScoreAdj ${proc.oomScoreAdj}`);
  }
  if (proc.scheduler) {
    const scheduler = planScheduler(proc.scheduler, issues, [...at, 'scheduler']);
    if (scheduler) plan.scheduler = scheduler;
  }
  if (proc.ioPriority) {
    const io = proc.ioPriority;
    const value = issues.lookup([...at, 'ioPriority'], () => ioprioFromSpec(io));
    if (value !== undefined) plan.ioPriority = value;
  }
  return plan;
}

/** runc's prepareEnv: every entry has a name and a '=', the last of a name wins. */
function planEnv(env: readonly string[] | undefined, issues: PlanIssues, at: Tokens): string[] {
  try {
    return dedupEnv(env).env;
  } catch (err) {
    if (!(err instanceof InvalidEnvError)) throw err;
    issues.add([...at, err.index], err.message);
    return [];
  }
}

/** As runc reads them: names unknown here or to the running kernel are skipped (runtime-spec: SHOULD NOT fail). */
export function planCapabilities(caps: Process['capabilities'], lastCap: number): CapabilitiesPlan {
  const unknown = new Set<string>();
  const numbers = (names: readonly string[] | undefined): number[] => {
    const out: number[] = [];
    for (const name of names ?? []) {
      const n = isKnownCapability(name) ? capNumber(name) : -1;
      if (n < 0 || n > lastCap) unknown.add(name);
      else if (!out.includes(n)) out.push(n);
    }
    return out;
  };
  return {
    bounding: numbers(caps?.bounding),
    effective: numbers(caps?.effective),
    permitted: numbers(caps?.permitted),
    inheritable: numbers(caps?.inheritable),
    ambient: numbers(caps?.ambient),
    unknown: [...unknown].sort(),
  };
}

function planRlimits(proc: Process, issues: PlanIssues, at: Tokens): RlimitPlan[] {
  const out: RlimitPlan[] = [];
  proc.rlimits?.forEach((rl, i) => {
    const where = [...at, 'rlimits', i, 'type'];
    if (out.some((r) => r.type === rl.type)) {
      issues.add(where, `duplicate rlimit type ${rl.type}`);
      return;
    }
    const resource = issues.lookup(where, () => rlimitResource(rl.type));
    if (resource !== undefined) out.push({ type: rl.type, resource, soft: rl.soft, hard: rl.hard });
  });
  return out;
}

function planScheduler(s: NonNullable<Process['scheduler']>, issues: PlanIssues, at: Tokens): SchedulerPlan | undefined {
  const policy = issues.lookup([...at, 'policy'], () => schedPolicy(s.policy));
  const flags = issues.lookup([...at, 'flags'], () => schedFlagsToMask(s.flags ?? []));
  if (policy === undefined || flags === undefined) return undefined;
  return {
    policy, flags, nice: s.nice ?? 0, priority: s.priority ?? 0, runtime: s.runtime ?? 0, deadline: s.deadline ?? 0, period: s.period ?? 0,
  };
}
