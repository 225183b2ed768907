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
