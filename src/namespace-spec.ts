// What a container's saved config says of its namespaces, read without the namespace
// code of namespaces.ts (which makes syscalls): `state` and `kill` ask it.
import type { NamespaceType } from './namespaces.js';

/** The part of a config that names namespaces (the generated Spec and test literals fit). */
export interface NamespacesSpec {
  linux?: { namespaces?: readonly { type: string; path?: string }[] };
}

/** Whether a saved config asked for a new namespace of this type (not one joined by path). */
export function hasNewNamespace(spec: NamespacesSpec, type: NamespaceType): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === type && !ns.path);
}
