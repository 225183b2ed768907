// The hooks run while the container is made, each stage with the state it receives:
// prestart, createRuntime and createContainer see `creating`, startContainer `created`.
// The init's pid is only known after the spawn: withInitPid fills it in.
import type { Spec } from '../generated/config.js';
import { OCI_VERSION } from '../oci-version.js';
import type { ContainerPlan, CreateHookKind, HookStage, HookState } from './types.js';

const STAGES: readonly [CreateHookKind, HookState['status']][] = [
  ['prestart', 'creating'], ['createRuntime', 'creating'], ['createContainer', 'creating'], ['startContainer', 'created'],
];

export function planHooks(spec: Spec, id: string, bundle: string): Record<CreateHookKind, HookStage> {
  const stages = {} as Record<CreateHookKind, HookStage>;
  for (const [kind, status] of STAGES) {
    const state: HookState = { ociVersion: OCI_VERSION, id, status, bundle };
    if (spec.annotations) state.annotations = { ...spec.annotations };
    stages[kind] = { hooks: [...(spec.hooks?.[kind] ?? [])], state };
  }
  return stages;
}

/** The plan with the init's host pid in every hook state (the key order stays runc's: pid before bundle). */
export function withInitPid(plan: ContainerPlan, pid: number): ContainerPlan {
  const hooks = {} as Record<CreateHookKind, HookStage>;
  for (const [kind, stage] of Object.entries(plan.hooks) as [CreateHookKind, HookStage][]) {
    const { ociVersion, id, status, bundle, annotations } = stage.state;
    hooks[kind] = { hooks: stage.hooks, state: { ociVersion, id, status, pid, bundle, ...(annotations ? { annotations } : {}) } };
  }
  return { ...plan, hooks };
}
