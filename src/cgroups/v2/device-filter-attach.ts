/**
 * Put a device filter program (device-filter.ts) on a cgroup2 directory, replacing the one there.
 *
 * The new program is loaded, then attached with BPF_F_ALLOW_MULTI next to the old ones, then the old ones are
 * detached, as runc does: while both are attached the kernel asks both (each must allow), so an `update`
 * never leaves a moment without a filter. When exactly one old program is attached in multi mode, the kernel
 * swaps it for the new one in a single step (BPF_F_REPLACE). A cgroup whose program was attached without
 * BPF_F_ALLOW_MULTI takes the new one in place of the old with a plain attach.
 *
 * Programs stay attached after their fds are closed; they go away with the cgroup on rmdir.
 */
import * as fs from 'node:fs';

import {
  bpfProgAttach,
  bpfProgDetach,
  bpfProgGetFdById,
  bpfProgLoad,
  bpfProgQuery,
} from '../../../ffi/bpf.js';
import { BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE, BPF_PROG_TYPE_CGROUP_DEVICE } from '../../../ffi/constants.js';
import { SyscallError } from '../../errors.js';
import { fsError } from '../errors.js';
import { DEVICE_FILTER_LICENSE } from './device-filter.js';

/** Shown by `bpftool prog` for the programs ocirt loads. */
const PROGRAM_NAME = 'ocirt_devices';

function openCgroupDir(dir: string): number {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (err) {
    throw fsError('open', dir, err);
  }
}

function withCgroupDir<T>(dir: string, fn: (fd: number) => T): T {
  const fd = openCgroupDir(dir);
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Load an encoded device filter program; returns its fd (the caller closes it). */
export function loadDeviceFilter(program: Buffer): number {
  return bpfProgLoad({ type: BPF_PROG_TYPE_CGROUP_DEVICE, insns: program, license: DEVICE_FILTER_LICENSE, name: PROGRAM_NAME });
}

/** Ids of the device programs attached to the cgroup2 directory itself. */
export function attachedDeviceFilters(dir: string): number[] {
  return withCgroupDir(dir, (fd) => bpfProgQuery(fd, BPF_CGROUP_DEVICE, dir).ids);
}

/** Detach one program by id; one that is already gone is not an error. */
function detachById(dirFd: number, id: number, dir: string): void {
  let progFd: number;
  try {
    progFd = bpfProgGetFdById(id);
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOENT') return;
    throw err;
  }
  try {
    bpfProgDetach(dirFd, progFd, BPF_CGROUP_DEVICE, dir);
  } catch (err) {
    if (!(err instanceof SyscallError && err.code === 'ENOENT')) throw err;
  } finally {
    fs.closeSync(progFd);
  }
}

/** Detach every device program attached to the cgroup2 directory itself. */
export function detachDeviceFilters(dir: string): void {
  withCgroupDir(dir, (dirFd) => {
    for (const id of bpfProgQuery(dirFd, BPF_CGROUP_DEVICE, dir).ids) detachById(dirFd, id, dir);
  });
}

/** Make `program` the only device filter of the cgroup2 directory `dir`. */
export function replaceDeviceFilter(dir: string, program: Buffer): void {
  withCgroupDir(dir, (dirFd) => {
    const old = bpfProgQuery(dirFd, BPF_CGROUP_DEVICE, dir);
    const progFd = loadDeviceFilter(program);
    try {
      if (old.ids.length > 0 && (old.attachFlags & BPF_F_ALLOW_MULTI) === 0) {
        // Attached without multi: a plain attach overrides it.
        bpfProgAttach(dirFd, progFd, BPF_CGROUP_DEVICE, 0, 0, dir);
        return;
      }
      if (old.ids.length === 1 && replaceInPlace(dirFd, progFd, old.ids[0]!, dir)) return;
      bpfProgAttach(dirFd, progFd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI, 0, dir);
      for (const id of old.ids) detachById(dirFd, id, dir);
    } finally {
      fs.closeSync(progFd);
    }
  });
}

/** BPF_F_REPLACE of the one old program; false when it could not be used (gone meanwhile, or an old kernel). */
function replaceInPlace(dirFd: number, progFd: number, oldId: number, dir: string): boolean {
  let oldFd: number;
  try {
    oldFd = bpfProgGetFdById(oldId);
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOENT') return false;
    throw err;
  }
  try {
    bpfProgAttach(dirFd, progFd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, oldFd, dir);
    return true;
  } catch (err) {
    // ENOENT: detached meanwhile; EINVAL: a kernel before 5.6 without BPF_F_REPLACE. Attach-then-detach works.
    if (err instanceof SyscallError && (err.code === 'ENOENT' || err.code === 'EINVAL')) return false;
    throw err;
  } finally {
    fs.closeSync(oldFd);
  }
}
