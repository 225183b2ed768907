// The container plan (see types.ts): made by the runtime before any side effect, read by the inits.
export { planContainer, type PlanContainerOptions } from './container.js';
export { planExec } from './exec.js';
export { withInitPid } from './hooks.js';
export { hasNamespace } from './namespaces.js';
export type * from './types.js';
