// The parts of the OCI config the rootfs setup reads. Structural and loose on purpose:
// the generated `Spec` type (and test literals) are assignable to it.

export interface RootfsMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface RootfsDevice {
  type: string;
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface RootfsSpec {
  root?: { path?: string; readonly?: boolean };
  mounts?: RootfsMount[];
  process?: { terminal?: boolean };
  linux?: {
    namespaces?: { type: string; path?: string }[];
    devices?: RootfsDevice[];
    rootfsPropagation?: string;
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** Wraps one meaningful step so `--debug` can log it with its duration. */
export type Step = <T>(name: string, fn: () => T) => T;

export const runStep: Step = (_name, fn) => fn();

/** Whether the config asks for a namespace of this type (new or joined). */
export function hasNamespace(spec: RootfsSpec, type: string): boolean {
  return (spec.linux?.namespaces ?? []).some((ns) => ns.type === type);
}
