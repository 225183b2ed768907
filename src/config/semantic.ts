// Checks on a schema-valid config.json that JSON Schema cannot express: rules that relate fields to each
// other (a hostname needs a UTS namespace...), rules of the Linux kernel, and what ocirt does not support
// yet. Where runc's validator (libcontainer/configs/validate) has the same rule we follow its decision and,
// where callers may know it, its wording. Every issue carries the JSON pointer of the offending field.

import fs from 'node:fs';
import type { LinuxNamespaceType, Spec } from '../generated/config.js';
import { jsonPointer, type ValidationIssue } from './errors.js';
import { checkIdMappings, checkUserIds, checkUserNamespaceMaps } from './ids.js';
import { sysctlDottedName } from './sysctl-name.js';
import { isKnownCapability } from '../linux/capabilities.js';
import { RLIMITS } from '../linux/rlimits.js';

export interface SemanticOptions {
  /**
   * Whether the namespace file at `path` is the runtime's own network namespace (used for `net.*`
   * sysctls and netDevices, which must not touch the host). May throw if the path is unusable.
   * Default: compare device and inode with /proc/self/ns/net.
   */
  isHostNetns?: (path: string) => boolean;
}

/** Problems that make the config unusable by ocirt on Linux; empty when there are none. */
export function checkSemantics(spec: Spec, options: SemanticOptions = {}): ValidationIssue[] {
  const ctx = new Context(spec, options.isHostNetns ?? isRuntimeNetns);
  checkVersion(ctx);
  checkNulBytes(ctx);
  checkRootAndProcess(ctx);
  checkNamespaces(ctx);
  checkIdMaps(ctx);
  checkUts(ctx);
  checkPaths(ctx);
  checkSysctls(ctx);
  checkTimeOffsets(ctx);
  checkNetDevices(ctx);
  checkMounts(ctx);
  checkSeccomp(ctx);
  checkIntelRdt(ctx);
  checkMemoryPolicy(ctx);
  return ctx.issues;
}

/**
 * Things worth a warning but allowed by the spec: relative mount destinations (deprecated, taken
 * relative to /) and capability names this runtime does not know (the spec says warn, not fail).
 */
export function semanticWarnings(spec: Spec): ValidationIssue[] {
  const warnings: ValidationIssue[] = [];
  spec.mounts?.forEach((m, i) => {
    if (m.destination !== '' && !m.destination.startsWith('/')) {
      warnings.push({
        pointer: jsonPointer('mounts', i, 'destination'),
        message: `relative mount destination ${JSON.stringify(m.destination)} is deprecated; it is taken relative to /`,
      });
    }
  });
  const caps = spec.process?.capabilities;
  if (caps) {
    for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
      caps[set]?.forEach((name, i) => {
        if (!isKnownCapability(name)) {
          warnings.push({ pointer: jsonPointer('process', 'capabilities', set, i), message: `unknown capability ${JSON.stringify(name)} is ignored` });
        }
      });
    }
  }
  // As runc: maps beside a user namespace path are accepted when they are the namespace's own.
  const userIndex = spec.linux?.namespaces?.findIndex((ns) => ns.type === 'user' && ns.path) ?? -1;
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    if (userIndex >= 0 && spec.linux?.[field]?.length) {
      warnings.push({ pointer: jsonPointer('linux', field), message: `has no use with a user namespace joined by path (/linux/namespaces/${userIndex}): give one or the other` });
    }
  }
  return warnings;
}

// ---------------------------------------------------------------------------------------------------------

class Context {
  readonly issues: ValidationIssue[] = [];
  /** First entry of each namespace type in linux.namespaces. */
  readonly namespaces = new Map<LinuxNamespaceType, { index: number; path: string | undefined }>();
  private hostNetnsAnswer: boolean | undefined;

  constructor(
    readonly spec: Spec,
    private readonly isHostNetns: (path: string) => boolean,
  ) {
    spec.linux?.namespaces?.forEach((ns, index) => {
      if (!this.namespaces.has(ns.type)) this.namespaces.set(ns.type, { index, path: ns.path });
    });
  }

  add(pointer: string, message: string): void {
    this.issues.push({ pointer, message });
  }

  has(type: LinuxNamespaceType): boolean {
    return this.namespaces.has(type);
  }

  /** True when the container would share the runtime's network namespace. Reports an unusable path once. */
  usesHostNetwork(): boolean {
    if (this.hostNetnsAnswer !== undefined) return this.hostNetnsAnswer;
    const net = this.namespaces.get('network');
    if (!net) {
      this.hostNetnsAnswer = true;
    } else if (net.path === undefined || net.path === '') {
      this.hostNetnsAnswer = false;
    } else {
      try {
        this.hostNetnsAnswer = this.isHostNetns(net.path);
      } catch (err) {
        this.add(jsonPointer('linux', 'namespaces', net.index, 'path'), `invalid netns path: ${errorText(err)}`);
        this.hostNetnsAnswer = false; // already reported; don't add a second, misleading issue
      }
    }
    return this.hostNetnsAnswer;
  }
}

function isRuntimeNetns(path: string): boolean {
  const target = fs.statSync(path);
  const own = fs.statSync('/proc/self/ns/net');
  return target.dev === own.dev && target.ino === own.ino;
}

/** `stat /run/netns/x: ENOENT` for errno errors, the message otherwise. */
function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!e?.code || !e.syscall) return e instanceof Error ? e.message : String(err);
  return `${[e.syscall, e.path].filter(Boolean).join(' ')}: ${e.code}`;
}

// ---------------------------------------------------------------------------------------------------------

function checkVersion(ctx: Context): void {
  const { spec } = ctx;
  const major = Number(/^(\d+)\./.exec(spec.ociVersion)?.[1]);
  // Same major version ⇒ compatible (config.md); runc accepts 0.x too, so only reject newer majors.
  if (major >= 2) ctx.add('/ociVersion', `runtime-spec ${spec.ociVersion} is not supported (ocirt implements 1.x, up to 1.3.0)`);
}

function checkRootAndProcess(ctx: Context): void {
  const { spec } = ctx;
  // The schema enforces these for non-Windows documents; a document carrying a `windows` object still has
  // to satisfy them to run on Linux.
  if (!spec.root) ctx.add('/root', 'is required');
  const proc = spec.process;
  if (!proc) {
    ctx.add('/process', 'is required');
    return;
  }
  if (!proc.args || proc.args.length === 0) ctx.add('/process/args', 'must have at least 1 item');
  if (!proc.cwd.startsWith('/')) ctx.add('/process/cwd', 'must be an absolute path');
  if (proc.user && (proc.user.uid === undefined || proc.user.gid === undefined)) {
    ctx.add(proc.user.uid === undefined ? '/process/user/uid' : '/process/user/gid', 'is required');
  }
  ctx.issues.push(...checkUserIds(proc.user, '/process'));

  const firstOfType = new Map<string, number>();
  proc.rlimits?.forEach((rl, i) => {
    if (!Object.hasOwn(RLIMITS, rl.type)) {
      ctx.add(jsonPointer('process', 'rlimits', i, 'type'), `unknown rlimit ${JSON.stringify(rl.type)}`);
    }
    const first = firstOfType.get(rl.type);
    if (first !== undefined) {
      ctx.add(jsonPointer('process', 'rlimits', i, 'type'), `duplicate rlimit ${rl.type} (first at /process/rlimits/${first})`);
    } else {
      firstOfType.set(rl.type, i);
    }
    if (rl.soft > rl.hard) ctx.add(jsonPointer('process', 'rlimits', i, 'soft'), `must not exceed hard (${rl.hard})`);
  });

  const sched = proc.scheduler;
  if (sched) {
    if ((sched.policy === 'SCHED_OTHER' || sched.policy === 'SCHED_BATCH') && sched.nice !== undefined && (sched.nice < -20 || sched.nice > 19)) {
      ctx.add('/process/scheduler/nice', `must be between -20 and 19 for ${sched.policy}`);
    }
    if (sched.priority !== undefined && sched.priority !== 0 && sched.policy !== 'SCHED_FIFO' && sched.policy !== 'SCHED_RR') {
      ctx.add('/process/scheduler/priority', 'can only be set for SCHED_FIFO or SCHED_RR');
    }
    if (sched.policy !== 'SCHED_DEADLINE') {
      for (const field of ['runtime', 'deadline', 'period'] as const) {
        if (sched[field]) ctx.add(`/process/scheduler/${field}`, 'can only be set for SCHED_DEADLINE');
      }
    }
  }

  const io = proc.ioPriority;
  if (io && (io.priority < 0 || io.priority > 7)) ctx.add('/process/ioPriority/priority', 'must be between 0 and 7');
}

function checkNamespaces(ctx: Context): void {
  const linux = ctx.spec.linux;
  linux?.namespaces?.forEach((ns, i) => {
    const first = ctx.namespaces.get(ns.type);
    if (first && first.index !== i) {
      ctx.add(jsonPointer('linux', 'namespaces', i, 'type'), `duplicate namespace ${ns.type} (first at /linux/namespaces/${first.index})`);
      return;
    }
    // A user namespace joined by path needs no maps; given, create checks them against the namespace's.
    if (ns.type === 'user' && !ns.path) ctx.issues.push(...checkUserNamespaceMaps(linux, i));
  });
  if (!ctx.has('user')) {
    for (const field of ['uidMappings', 'gidMappings'] as const) {
      if (linux?.[field]?.length) ctx.add(`/linux/${field}`, 'needs a user namespace in linux.namespaces');
    }
  }
}

/** The ids user-namespace maps and id-mapped mounts name (checked even while user namespaces are refused). */
function checkIdMaps(ctx: Context): void {
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    ctx.issues.push(...checkIdMappings(ctx.spec.linux?.[field], 'linux', field));
  }
  ctx.spec.mounts?.forEach((m, i) => {
    for (const field of ['uidMappings', 'gidMappings'] as const) ctx.issues.push(...checkIdMappings(m[field], 'mounts', i, field));
  });
}

/**
 * Strings reach the kernel as C strings, which end at the first NUL: the option `"mode=0700\u0000,exec"`
 * would lose `,exec`, and a path or argument would name something shorter than the config says.
 * Every string (and object key) of the fields ocirt uses is checked; annotations are only passed on to
 * hooks as JSON, so they may hold anything.
 */
const NUL_CHECKED_FIELDS = ['process', 'root', 'hostname', 'domainname', 'mounts', 'hooks', 'linux'] as const;

function checkNulBytes(ctx: Context): void {
  const visit = (value: unknown, tokens: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (value.includes('\0')) ctx.add(jsonPointer(...tokens), `${JSON.stringify(value)} contains a NUL byte`);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...tokens, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\0')) ctx.add(jsonPointer(...tokens, key), `the name ${JSON.stringify(key)} contains a NUL byte`);
        visit(item, [...tokens, key]);
      }
    }
  };
  for (const field of NUL_CHECKED_FIELDS) visit(ctx.spec[field], [field]);
}

function checkUts(ctx: Context): void {
  if (ctx.has('uts')) return;
  if (ctx.spec.hostname) ctx.add('/hostname', 'unable to set hostname without a private UTS namespace');
  if (ctx.spec.domainname) ctx.add('/domainname', 'unable to set domainname without a private UTS namespace');
}

function checkPaths(ctx: Context): void {
  if (ctx.has('mount')) return;
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    if (ctx.spec.linux?.[field]?.length) ctx.add(`/linux/${field}`, 'unable to restrict sys entries without a private MNT namespace');
  }
}

// IPC-namespaced sysctls (runc's allow-list) besides the fs.mqueue.* family.
const IPC_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem',
  'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced',
]);

function checkSysctls(ctx: Context): void {
  const sysctl = ctx.spec.linux?.sysctl;
  if (!sysctl) return;
  for (const key of Object.keys(sysctl)) {
    const where = jsonPointer('linux', 'sysctl', key);
    // The name becomes a path under /proc/sys ('.' and '/' both separate components); an empty, '.' or
    // '..' component would name something else than the user wrote.
    if (key.split(/[./]/).some((part) => part === '' || part === '..')) {
      ctx.add(where, `invalid sysctl name ${JSON.stringify(key)}`);
      continue;
    }
    // `kernel/shmmax` is `kernel.shmmax` (sysctl.d(5)); the rules below are written for the dotted form.
    const name = sysctlDottedName(key);
    if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) {
      if (!ctx.has('ipc')) ctx.add(where, `sysctl ${JSON.stringify(name)} is not allowed in the hosts ipc namespace`);
      continue;
    }
    if (name.startsWith('net.')) {
      if (ctx.usesHostNetwork()) ctx.add(where, `sysctl ${JSON.stringify(name)} not allowed in host network namespace`);
      continue;
    }
    if (ctx.has('uts') && name === 'kernel.domainname') continue;
    if (ctx.has('uts') && name === 'kernel.hostname') {
      ctx.add(where, `sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`);
      continue;
    }
    ctx.add(where, `sysctl ${JSON.stringify(name)} is not in a separate kernel namespace`);
  }
}

function checkTimeOffsets(ctx: Context): void {
  const offsets = ctx.spec.linux?.timeOffsets;
  if (!offsets || Object.keys(offsets).length === 0) return;
  const time = ctx.namespaces.get('time');
  if (!time) {
    ctx.add('/linux/timeOffsets', 'needs a time namespace in linux.namespaces');
  } else if (time.path) {
    ctx.add('/linux/timeOffsets', 'cannot be applied to an existing time namespace (linux.namespaces has a path for time)');
  }
}

/** Interface names the kernel accepts (dev_valid_name): 1-15 bytes, not . or .., no '/', ':' or whitespace. */
function isValidInterfaceName(name: string): boolean {
  return Buffer.byteLength(name) >= 1 && Buffer.byteLength(name) < 16 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

function checkNetDevices(ctx: Context): void {
  const devices = ctx.spec.linux?.netDevices;
  if (!devices || Object.keys(devices).length === 0) return;
  if (ctx.usesHostNetwork()) ctx.add('/linux/netDevices', 'needs a private network namespace');
  for (const [hostName, dev] of Object.entries(devices)) {
    if (!isValidInterfaceName(hostName)) {
      ctx.add(jsonPointer('linux', 'netDevices', hostName), `invalid network device name ${JSON.stringify(hostName)}`);
    }
    // A trailing %d asks the kernel to pick a free number, so it is allowed here.
    if (dev?.name !== undefined && !isValidInterfaceName(dev.name)) {
      ctx.add(jsonPointer('linux', 'netDevices', hostName, 'name'), `invalid network device name ${JSON.stringify(dev.name)}`);
    }
  }
}

function checkMounts(ctx: Context): void {
  ctx.spec.mounts?.forEach((m, i) => {
    if (m.destination === '') ctx.add(jsonPointer('mounts', i, 'destination'), 'must not be empty');
    // Which mounts may be id-mapped, and with which maps, is decided by the plan (src/plan/mounts.ts).
  });
}

const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

function checkSeccomp(ctx: Context): void {
  const seccomp = ctx.spec.linux?.seccomp;
  if (!seccomp) return;
  // The spec: an errno with an action that cannot return one MUST be an error.
  if (seccomp.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(seccomp.defaultAction)) {
    ctx.add('/linux/seccomp/defaultErrnoRet', `cannot be used with defaultAction ${seccomp.defaultAction} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`);
  }
  // The seccomp agent protocol (the notify fd sent over listenerPath with the state) is not
  // implemented: refuse rather than run without the agent.
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') ctx.add('/linux/seccomp/defaultAction', NOTIFY_UNSUPPORTED);
  if (seccomp.listenerPath !== undefined) ctx.add('/linux/seccomp/listenerPath', 'seccomp notify listeners are not supported by ocirt');
  seccomp.syscalls?.forEach((sc, i) => {
    if (sc.errnoRet !== undefined && !ERRNO_ACTIONS.has(sc.action)) {
      ctx.add(jsonPointer('linux', 'seccomp', 'syscalls', i, 'errnoRet'), `cannot be used with action ${sc.action} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`);
    }
    if (sc.action === 'SCMP_ACT_NOTIFY') ctx.add(jsonPointer('linux', 'seccomp', 'syscalls', i, 'action'), NOTIFY_UNSUPPORTED);
    sc.args?.forEach((arg, j) => {
      if (arg.index >= SYSCALL_MAX_ARGS) {
        ctx.add(jsonPointer('linux', 'seccomp', 'syscalls', i, 'args', j, 'index'), `must be less than ${SYSCALL_MAX_ARGS} (a syscall has at most ${SYSCALL_MAX_ARGS} arguments)`);
      }
    });
  });
}

const NOTIFY_UNSUPPORTED = 'SCMP_ACT_NOTIFY is not supported by ocirt (no seccomp agent handoff)';
const SYSCALL_MAX_ARGS = 6;

function checkIntelRdt(ctx: Context): void {
  const closID = ctx.spec.linux?.intelRdt?.closID;
  // closID names a directory under /sys/fs/resctrl; "/" alone means the root (default) group.
  if (closID !== undefined && closID !== '/' && (closID === '.' || closID === '..' || closID.includes('/'))) {
    ctx.add('/linux/intelRdt/closID', `invalid closID ${JSON.stringify(closID)}`);
  }
}

const MPOL_WITHOUT_NODES = new Set(['MPOL_DEFAULT', 'MPOL_LOCAL']);
const MPOL_NEEDS_NODES = new Set(['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY']);

function checkMemoryPolicy(ctx: Context): void {
  const policy = ctx.spec.linux?.memoryPolicy;
  if (!policy) return;
  const nodes = policy.nodes ?? '';
  if (nodes !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(nodes)) {
    ctx.add('/linux/memoryPolicy/nodes', 'must be a node list such as 0-3,7');
  } else if (nodes !== '' && MPOL_WITHOUT_NODES.has(policy.mode)) {
    ctx.add('/linux/memoryPolicy/nodes', `must be empty for ${policy.mode}`);
  } else if (nodes === '' && MPOL_NEEDS_NODES.has(policy.mode)) {
    ctx.add('/linux/memoryPolicy/nodes', `is required for ${policy.mode}`);
  }
  const flags = policy.flags ?? [];
  if (flags.includes('MPOL_F_STATIC_NODES') && flags.includes('MPOL_F_RELATIVE_NODES')) {
    ctx.add('/linux/memoryPolicy/flags', 'MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES cannot be combined');
  }
}


