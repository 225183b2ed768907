// planExec: the process `exec` starts in a running container, from its final process
// spec (merged and validated by the runtime) and the container's config as `create`
// saved it, of which only the namespaces and the seccomp profile matter here.
import type { Process, Spec } from '../generated/config.js';
import { PlanIssues } from './issues.js';
import { EXEC_JOIN_ORDER, hasNamespace, planNamespaces } from './namespaces.js';
import { planProcess, type ProcessPlanOptions } from './process.js';
import type { ExecPlan } from './types.js';

/** Throws ConfigError (`invalid process: <pointer>: <message>`, pointers into the process object). */
export function planExec(proc: Process, container: Pick<Spec, 'linux'>, opts: ProcessPlanOptions): ExecPlan {
  const issues = new PlanIssues();
  const process = planProcess(proc, opts, issues, []);
  issues.throwIfAny('process');
  // The saved config was planned whole, without an issue, when the container was created.
  const namespaces = planNamespaces(container.linux, new PlanIssues());
  const plan: ExecPlan = {
    process,
    joinOrder: [...EXEC_JOIN_ORDER],
    mountNamespace: hasNamespace(namespaces, 'mount'),
  };
  const seccomp = container.linux?.seccomp;
  if (seccomp) plan.seccomp = seccomp;
  return plan;
}
