// The state document `ocirt state` prints and hooks receive on stdin: the OCI
// state fields plus runc's extras (rootfs, created, owner), in runc's key order.
import type { ContainerRecord, CreateJournal } from '../../state/record.js';
import type { Status } from '../../state/status.js';
import { OCI_VERSION } from '../../oci-version.js';

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
  return stateDocument(record.id, status === 'stopped' ? 0 : record.pid, status, record, record.config.annotations, owner);
}

/** A container still being created, from its create journal; pid 0 until its init is spawned (and alive). */
export function creatingState(id: string, journal: CreateJournal, initAlive: boolean, owner = ''): OciState {
  const shown = { bundle: journal.bundle ?? '', rootfs: journal.rootfs ?? '', created: journal.created ?? '' };
  return stateDocument(id, initAlive ? journal.pid ?? 0 : 0, 'creating', shown, journal.annotations, owner);
}

function stateDocument(
  id: string, pid: number, status: Status, shown: Pick<ContainerRecord, 'bundle' | 'rootfs' | 'created'>,
  annotations: Record<string, string> | undefined, owner: string,
): OciState {
  const state: OciState = {
    ociVersion: OCI_VERSION,
    id,
    pid,
    status,
    bundle: shown.bundle,
    rootfs: shown.rootfs,
    created: shown.created,
    owner,
  };
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
