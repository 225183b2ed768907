// planExec: the process `exec` starts in a running container, from its final process
// spec (merged and validated by the runtime) and the container's plan.
import type { Process } from '../generated/config.js';
import { PlanIssues } from './issues.js';
import { EXEC_JOIN_ORDER, hasNamespace } from './namespaces.js';
import { planProcess, type ProcessPlanOptions } from './process.js';
import type { ContainerPlan, ExecPlan } from './types.js';

/** Throws ConfigError (`invalid process: <pointer>: <message>`, pointers into the process object). */
export function planExec(proc: Process, container: Pick<ContainerPlan, 'namespaces' | 'seccomp'>, opts: ProcessPlanOptions): ExecPlan {
  const issues = new PlanIssues();
  const process = planProcess(proc, opts, issues, []);
  issues.throwIfAny('process');
  const plan: ExecPlan = {
    process,
    joinOrder: [...EXEC_JOIN_ORDER],
    mountNamespace: hasNamespace(container.namespaces, 'mount'),
  };
  if (container.seccomp) plan.seccomp = container.seccomp;
  return plan;
}
