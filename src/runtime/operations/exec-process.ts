// The process `exec` runs, built the way runc builds it: either a whole process spec
// from `--process FILE`, or the container's own process with the command-line
// overrides (args replaced, env appended, tty off unless asked for). Pure functions:
// no system state is read or changed here (except reading the process file).
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { RuntimeError, fromNodeError, withContext } from '../../errors.js';
import { selinuxEnabled } from '../../linux/lsm.js';
import { goQuote } from '../../process/go-strings.js';
import type { LinuxCapabilities, Process } from '../../generated/config.js';
import { ConfigError } from '../../config/errors.js';
import { ID_RANGE_MESSAGE, MAX_ID, checkUserIds } from '../../config/ids.js';
import { isRlimitValue, readJson } from '../../config/json-reader.js';

/** What runc's exec flags change in the container's process (used without --process). */
export interface ProcessOverrides {
  /** The command and its arguments (required: replaces the container's). */
  args?: string[];
  cwd?: string;
  /** Appended to the container's environment (later entries win). */
  env?: string[];
  /** Allocate a terminal (default false, whatever the container's process says). */
  tty?: boolean;
  /** --user uid[:gid], already parsed. */
  user?: { uid?: number; gid?: number };
  additionalGids?: number[];
  /** Capabilities added to the bounding, effective and permitted sets. */
  caps?: string[];
  /** Set (true or false) only when given. */
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** The container's process with the overrides applied, then validated. */
export function processFromContainer(base: Process | undefined, o: ProcessOverrides): Process {
  if (!base) throw new RuntimeError('process property must not be empty');
  const p = clone(base);
  p.args = [...(o.args ?? [])];
  if (o.cwd) p.cwd = o.cwd;
  if (o.apparmorProfile) p.apparmorProfile = o.apparmorProfile;
  if (o.selinuxLabel) p.selinuxLabel = o.selinuxLabel;
  if (o.caps?.length) p.capabilities = withAddedCaps(p.capabilities, o.caps);
  p.env = [...(p.env ?? []), ...(o.env ?? [])];
  p.terminal = !!o.tty;
  if (o.noNewPrivileges !== undefined) p.noNewPrivileges = o.noNewPrivileges;
  if (o.user) {
    p.user = { ...(p.user ?? {}) };
    if (o.user.uid !== undefined) p.user.uid = o.user.uid;
    if (o.user.gid !== undefined) p.user.gid = o.user.gid;
  }
  if (o.additionalGids?.length) {
    p.user = { ...(p.user ?? {}) };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...o.additionalGids];
  }
  validateExecProcess(p);
  return p;
}

/**
 * runc's --cap: each name joins bounding, effective and permitted; ambient too, but
 * only when the process already has an inheritable set (ambient needs inheritable).
 */
function withAddedCaps(caps: LinuxCapabilities | undefined, add: string[]): LinuxCapabilities {
  const c: LinuxCapabilities = clone(caps) ?? {};
  for (const name of add) {
    c.bounding = [...(c.bounding ?? []), name];
    c.effective = [...(c.effective ?? []), name];
    c.permitted = [...(c.permitted ?? []), name];
    if (c.inheritable) c.ambient = [...(c.ambient ?? []), name];
  }
  return c;
}

/**
 * A process from --process: what the file leaves out is taken from the container's
 * process where runc does so (capabilities, rlimits, LSM labels, I/O priority,
 * scheduler); everything else is the file's.
 */
export function processFromFile(file: Process, container: Process | undefined): Process {
  const p = clone(file);
  if (container) {
    if (p.capabilities === undefined && container.capabilities) p.capabilities = clone(container.capabilities);
    if (!p.rlimits?.length && container.rlimits?.length) p.rlimits = clone(container.rlimits);
    if (!p.apparmorProfile && container.apparmorProfile) p.apparmorProfile = container.apparmorProfile;
    if (!p.selinuxLabel && container.selinuxLabel) p.selinuxLabel = container.selinuxLabel;
    if (p.ioPriority === undefined && container.ioPriority) p.ioPriority = clone(container.ioPriority);
    if (p.scheduler === undefined && container.scheduler) p.scheduler = clone(container.scheduler);
  }
  validateExecProcess(p);
  return p;
}

/** runc's validateProcessSpec, with its messages. */
export function validateExecProcess(p: Process | undefined, selinuxOn: () => boolean = () => selinuxEnabled()): void {
  if (!p) throw new RuntimeError('process property must not be empty');
  if (!p.cwd) throw new RuntimeError('Cwd property must not be empty');
  if (!isAbsolute(p.cwd)) throw new RuntimeError('Cwd must be an absolute path');
  if (!p.args?.length) throw new RuntimeError('args must not be empty');
  if (p.selinuxLabel && !selinuxOn()) {
    throw new RuntimeError('selinux label is specified in config, but selinux is disabled or not supported');
  }
}

/** Reads a --process file: a JSON process spec, checked for the types exec relies on. */
export function readProcessFile(path: string): Process {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fromNodeError(err, 'open', path);
  }
  // Our JSON reader: nesting limit and exact integers (rlimits may say 18446744073709551615, unlimited).
  let value: unknown;
  try {
    value = readJson(text, { document: 'process.json', acceptsUint64Max: isRlimitValue });
  } catch (err) {
    throw withContext(`parse process file ${path}`, err);
  }
  const p = checkProcessShape(value, path);
  const issues = checkUserIds(p.user, '');
  if (issues.length > 0) throw withContext(`parse process file ${path}`, ConfigError.invalid('process.json', issues));
  return p;
}

/** Type checks on a parsed process spec (the JSON decoder's checks in runc). */
export function checkProcessShape(value: unknown, what = 'process'): Process {
  const bad = (field: string, type: string) => new RuntimeError(`${what}: ${field} must be ${type}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('the process', 'a JSON object');
  const p = value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const uint32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
  if (p.args !== undefined && p.args !== null && !strings(p.args)) throw bad('args', 'an array of strings');
  if (p.env !== undefined && p.env !== null && !strings(p.env)) throw bad('env', 'an array of strings');
  if (p.cwd !== undefined && typeof p.cwd !== 'string') throw bad('cwd', 'a string');
  if (p.terminal !== undefined && typeof p.terminal !== 'boolean') throw bad('terminal', 'a boolean');
  if (p.noNewPrivileges !== undefined && typeof p.noNewPrivileges !== 'boolean') throw bad('noNewPrivileges', 'a boolean');
  if (p.user !== undefined && p.user !== null) {
    if (typeof p.user !== 'object') throw bad('user', 'an object');
    const u = p.user as Record<string, unknown>;
    for (const k of ['uid', 'gid', 'umask'] as const) if (u[k] !== undefined && !uint32(u[k])) throw bad(`user.${k}`, 'a uint32');
    if (u.additionalGids !== undefined && u.additionalGids !== null
      && !(Array.isArray(u.additionalGids) && u.additionalGids.every(uint32))) throw bad('user.additionalGids', 'an array of uint32');
  }
  if (p.capabilities !== undefined && p.capabilities !== null) {
    if (typeof p.capabilities !== 'object') throw bad('capabilities', 'an object');
    for (const [k, v] of Object.entries(p.capabilities as Record<string, unknown>)) {
      if (v !== null && !strings(v)) throw bad(`capabilities.${k}`, 'an array of strings');
    }
  }
  if (p.rlimits !== undefined && p.rlimits !== null && !Array.isArray(p.rlimits)) throw bad('rlimits', 'an array');
  // JSON null means "not set", as Go decodes it.
  for (const k of Object.keys(p)) if (p[k] === null) delete p[k];
  return p as unknown as Process;
}

/** runc's --user value: `uid` or `uid:gid`, decimal (both parts are required around a colon). */
export function parseUserFlag(value: string): { uid?: number; gid?: number } {
  if (value === '') return {};
  const parts = value.split(':');
  if (parts.length > 2) throw new RuntimeError(`invalid --user value ${goQuote(value)}: expected uid[:gid]`);
  const out: { uid?: number; gid?: number } = { uid: parseId(parts[0]!, 'uid') };
  if (parts.length === 2) out.gid = parseId(parts[1]!, 'gid');
  return out;
}

function parseId(text: string, what: string): number {
  const n = /^\+?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new RuntimeError(`parsing ${text} as int for ${what} failed: strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`);
  }
  // 4294967295 is (uid_t)-1, "unchanged" to setresuid: the process would stay root.
  if (n > MAX_ID) throw new RuntimeError(`invalid --user ${what} ${text}: ${ID_RANGE_MESSAGE}`);
  return n;
}

/** runc's --additional-gids check. */
export function parseAdditionalGids(values: readonly string[]): number[] {
  return values.map((v) => {
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (Number.isNaN(n)) throw new RuntimeError(`invalid value ${goQuote(v)} for flag -additional-gids: parse error`);
    if (n < 0) throw new RuntimeError(`additional-gids must be a positive number ${v}`);
    if (n > MAX_ID) throw new RuntimeError(`invalid --additional-gids ${v}: ${ID_RANGE_MESSAGE}`);
    return n;
  });
}
