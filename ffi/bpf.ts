// Koffi bindings for bpf(2): the commands the cgroup v2 device filter needs (load a program, attach it to
// a cgroup, list, and detach). glibc has no wrapper, so they go through syscall(2) with a union bpf_attr
// built by hand. bpf_attr holds user addresses (instructions, license, log, id array), so every buffer the
// kernel reads or writes lives in C memory with a stable address (withBlocks in ./koffi.ts).
// Errors name the call and the command: `bpf BPF_PROG_LOAD: EPERM`.
import koffi, { lazy, lazyFunction, withBlocks, type CBlock } from './koffi.js';
import { SyscallError } from './errors.js';
import {
  BPF_OBJ_NAME_LEN,
  BPF_PROG_ATTACH,
  BPF_PROG_DETACH,
  BPF_PROG_GET_FD_BY_ID,
  BPF_PROG_LOAD,
  BPF_PROG_QUERY,
  SYS,
} from './constants.js';
import { errnoNumber } from './errno.js';
import { closeQuietly } from './libc.js';

const libc = lazy(() => koffi.load('libc.so.6'));
const rawSyscall = lazyFunction(() => libc.func('long syscall(long number, ...)'));

/**
 * Bytes of bpf_attr passed: enough for every field used below. The kernel requires the bytes past the fields
 * of a command to be zero, which a zeroed block is.
 */
const ATTR_SIZE = 128;
/** Verifier log kept when a load fails (the kernel truncates a longer one). */
const LOG_SIZE = 1 << 18;
const ENOSPC = errnoNumber('ENOSPC') ?? 28;

const COMMAND_NAMES: Readonly<Record<number, string>> = {
  [BPF_PROG_LOAD]: 'BPF_PROG_LOAD',
  [BPF_PROG_ATTACH]: 'BPF_PROG_ATTACH',
  [BPF_PROG_DETACH]: 'BPF_PROG_DETACH',
  [BPF_PROG_GET_FD_BY_ID]: 'BPF_PROG_GET_FD_BY_ID',
  [BPF_PROG_QUERY]: 'BPF_PROG_QUERY',
};

/** bpf(cmd, attr, size); returns the result or the errno (as a negative number). */
function bpfCall(cmd: number, attr: CBlock): number {
  const ret = Number(rawSyscall(SYS.bpf, 'int', cmd, 'void *', attr.ptr, 'unsigned int', ATTR_SIZE));
  return ret < 0 ? -koffi.errno() : ret;
}

function bpfError(cmd: number, what: string, errno: number): SyscallError {
  const name = COMMAND_NAMES[cmd] ?? `command ${cmd}`;
  return new SyscallError('bpf', what ? `${name} ${what}` : name, errno);
}

export interface ProgLoadOptions {
  /** BPF_PROG_TYPE_*. */
  type: number;
  /** Encoded struct bpf_insn array. */
  insns: Buffer;
  license: string;
  /** Shown by bpftool; at most 15 characters of [A-Za-z0-9_.]. */
  name?: string;
  expectedAttachType?: number;
}

/**
 * BPF_PROG_LOAD; returns the program fd (close-on-exec, as the kernel makes every bpf fd). When the verifier
 * refuses the program, the load is retried with a log so the error can say why.
 */
export function bpfProgLoad(opts: ProgLoadOptions): number {
  const name = Buffer.from(opts.name ?? '');
  if (name.length >= BPF_OBJ_NAME_LEN) throw new Error(`bpf program name "${opts.name}" is longer than ${BPF_OBJ_NAME_LEN - 1} bytes`);
  const license = Buffer.from(`${opts.license}\0`);
  return withBlocks([ATTR_SIZE, Math.max(opts.insns.length, 1), license.length], (attr, insns, lic) => {
    opts.insns.copy(insns.bytes);
    license.copy(lic.bytes);
    const a = attr.bytes;
    a.writeUInt32LE(opts.type, 0); // prog_type
    a.writeUInt32LE(opts.insns.length / 8, 4); // insn_cnt
    a.writeBigUInt64LE(insns.address, 8); // insns
    a.writeBigUInt64LE(lic.address, 16); // license
    name.copy(a, 48); // prog_name
    a.writeUInt32LE(opts.expectedAttachType ?? 0, 68); // expected_attach_type
    const fd = bpfCall(BPF_PROG_LOAD, attr);
    if (fd >= 0) return fd;
    const err = bpfError(BPF_PROG_LOAD, '', -fd);
    const log = verifierLog(attr);
    if (log !== '') err.message += `; verifier log:\n${log}`;
    throw err;
  });
}

/** Load again with log_level 1 (same attr) to get the verifier's explanation; '' when there is none. */
function verifierLog(attr: CBlock): string {
  return withBlocks([LOG_SIZE], (log) => {
    const a = attr.bytes;
    a.writeUInt32LE(1, 24); // log_level
    a.writeUInt32LE(LOG_SIZE, 28); // log_size
    a.writeBigUInt64LE(log.address, 32); // log_buf
    const fd = bpfCall(BPF_PROG_LOAD, attr);
    if (fd >= 0) {
      // Accepted this time: nothing to explain, and the fd is ours to close.
      closeQuietly(fd);
      return '';
    }
    const end = log.bytes.indexOf(0);
    return log.bytes.toString('utf8', 0, end < 0 ? LOG_SIZE : end).trim();
  });
}

/** BPF_PROG_ATTACH of `progFd` to the cgroup (or other target) `targetFd`. */
export function bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number, replaceFd = 0, what = ''): void {
  withBlocks([ATTR_SIZE], (attr) => {
    const a = attr.bytes;
    a.writeUInt32LE(targetFd, 0); // target_fd
    a.writeUInt32LE(progFd, 4); // attach_bpf_fd
    a.writeUInt32LE(attachType, 8); // attach_type
    a.writeUInt32LE(flags >>> 0, 12); // attach_flags
    a.writeUInt32LE(replaceFd, 16); // replace_bpf_fd
    const ret = bpfCall(BPF_PROG_ATTACH, attr);
    if (ret < 0) throw bpfError(BPF_PROG_ATTACH, what, -ret);
  });
}

/** BPF_PROG_DETACH of one attached program. */
export function bpfProgDetach(targetFd: number, progFd: number, attachType: number, what = ''): void {
  withBlocks([ATTR_SIZE], (attr) => {
    const a = attr.bytes;
    a.writeUInt32LE(targetFd, 0);
    a.writeUInt32LE(progFd, 4);
    a.writeUInt32LE(attachType, 8);
    const ret = bpfCall(BPF_PROG_DETACH, attr);
    if (ret < 0) throw bpfError(BPF_PROG_DETACH, what, -ret);
  });
}

export interface ProgQueryResult {
  /** Ids of the programs attached directly to the target, in run order. */
  ids: number[];
  /** The target's attach flags (BPF_F_ALLOW_MULTI…), 0 when none or a single overridable program. */
  attachFlags: number;
}

/** BPF_PROG_QUERY of the programs of `attachType` attached to the target itself (not inherited ones). */
export function bpfProgQuery(targetFd: number, attachType: number, what = ''): ProgQueryResult {
  let capacity = 64;
  for (;;) {
    const result = withBlocks([ATTR_SIZE, capacity * 4], (attr, ids): ProgQueryResult | number => {
      const a = attr.bytes;
      a.writeUInt32LE(targetFd, 0); // target_fd
      a.writeUInt32LE(attachType, 4); // attach_type
      a.writeBigUInt64LE(ids.address, 16); // prog_ids
      a.writeUInt32LE(capacity, 24); // prog_cnt (in: room; out: count)
      const ret = bpfCall(BPF_PROG_QUERY, attr);
      const count = a.readUInt32LE(24);
      if (ret === -ENOSPC && count > capacity) return count;
      if (ret < 0) throw bpfError(BPF_PROG_QUERY, what, -ret);
      const list: number[] = [];
      for (let i = 0; i < count; i++) list.push(ids.bytes.readUInt32LE(i * 4));
      return { ids: list, attachFlags: a.readUInt32LE(12) };
    });
    if (typeof result !== 'number') return result;
    capacity = result;
  }
}

/** BPF_PROG_GET_FD_BY_ID: an fd on a loaded program (needed to detach it). */
export function bpfProgGetFdById(id: number): number {
  return withBlocks([ATTR_SIZE], (attr) => {
    attr.bytes.writeUInt32LE(id, 0); // prog_id
    const fd = bpfCall(BPF_PROG_GET_FD_BY_ID, attr);
    if (fd < 0) throw bpfError(BPF_PROG_GET_FD_BY_ID, `id ${id}`, -fd);
    return fd;
  });
}
