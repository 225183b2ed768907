// The state document `ocirt state` prints and hooks receive on stdin: the OCI
// state fields plus runc's extras (rootfs, created, owner), in runc's key order.
import type { ContainerRecord } from '../state/record.js';
import type { Status } from '../state/status.js';

export const OCI_VERSION = '1.3.0';

export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

export function ociState(record: ContainerRecord, status: Status, owner = ''): OciState {
  const state: OciState = {
    ociVersion: OCI_VERSION,
    id: record.id,
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner,
  };
  const annotations = record.config.annotations;
  if (annotations && Object.keys(annotations).length) {
    // Keep runc's field order: annotations come before owner.
    delete (state as Partial<OciState>).owner;
    state.annotations = annotations as Record<string, string>;
    state.owner = owner;
  }
  return state;
}

/** The state hooks receive: the spec's fields only. */
export function hookState(record: Pick<ContainerRecord, 'id' | 'bundle' | 'config'>, pid: number, status: Status): object {
  const s: Record<string, unknown> = { ociVersion: OCI_VERSION, id: record.id, status, pid, bundle: record.bundle };
  // As runc (Go's omitempty): a stopped container has no pid to report.
  if (!pid) delete s.pid;
  if (record.config.annotations) s.annotations = record.config.annotations;
  return s;
}

/** RFC3339Nano in UTC as Go prints it (fraction without trailing zeros). */
export function rfc3339Nano(d = new Date()): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
