// The runtime <-> init boundary: the messages each side may send, the channel that
// carries them (a unix stream socketpair with length-prefixed JSON; both ends read
// blocking on their main thread), and the named fds the init inherits.
//
// create (src/runtime/operations/create.ts, src/init/main.ts):
//
//   runtime                                   init
//   spawn (argv: slots sync=N,fifo=N,...) ──▶
//   (moves it into the cgroup)        ◀─────── booted      (Node has loaded)
//   config ──────────────────────────────────▶
//                                     ◀─────── hooks       (namespaces and mounts are ready)
//   (prestart, createRuntime hooks)
//   hooksDone ───────────────────────────────▶
//                                     ◀─────── ready       (about to wait for `start`)
//   create returns; `start` releases the init through exec.fifo
//
// exec (src/runtime/operations/exec.ts, src/init/exec-main.ts):
//
//   runtime                                   exec init
//   spawn (argv: slots sync=N,ns:mount=N,...) ▶
//   (moves it into the cgroup)        ◀─────── booted
//   execConfig ──────────────────────────────▶
//                                     ◀─────── ready       (about to execve)
//   end of file: execve succeeded (the socket is close-on-exec)
//
// At any time the init may send `log` (debug lines, warnings) or `error` (it failed
// and exits; the runtime re-raises it as the error it was, with its step).
import { readSync, writeSync } from 'node:fs';
import { pollIn } from '../ffi/libc.js';
import { RuntimeError, SyscallError, errorMessage } from './errors.js';
import { errnoNumber } from '../ffi/errno.js';
import { isNamespaceType } from './namespaces.js';
import type { Step } from './step.js';
import type { InitConfig } from './init/config.js';
import type { ExecInitConfig } from './init/exec-config.js';
import type { LogLevel } from './log.js';

/** An init's failure as it crosses to the runtime. */
export interface WireError {
  message: string;
  /** errno number and name, syscall and its path, for a failed syscall. */
  errno?: number;
  code?: string;
  syscall?: string;
  path?: string;
  /** The init's step it failed in. */
  step?: string;
}

/** The levels an init may log at: the runtime's own, less fatal. */
export type InitLogLevel = Exclude<LogLevel, 'fatal'>;

/** init → runtime. */
export type InitMessage =
  | { type: 'booted' }
  | { type: 'log'; level: InitLogLevel; msg: string; fields?: Record<string, unknown> }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'error'; error: WireError };

/** runtime → init. */
export type RuntimeMessage =
  | { type: 'config'; config: InitConfig }
  | { type: 'execConfig'; config: ExecInitConfig }
  | { type: 'hooksDone' };

/** The peer broke the protocol: a message out of turn, or one of the wrong shape. */
export class ProtocolError extends RuntimeError {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** The peer closed its end. */
export class ChannelClosedError extends RuntimeError {
  constructor(peer: string, expected?: string) {
    super(expected ? `${peer} closed the channel where ${expected} was expected` : `${peer} closed the channel`);
    this.name = 'ChannelClosedError';
  }
}

/** An init's error, re-raised in the runtime: its type and fields, and the step it failed in. */
export type InitFailure = (SyscallError | RuntimeError) & { step?: string };

// ---------------------------------------------------------------------------
// errors across the boundary

const failedSteps = new WeakMap<object, string>();

/** An error as it crosses to the runtime: the message, the syscall fields, the innermost step. */
export function toWire(err: unknown): WireError {
  const wire: WireError = { message: errorMessage(err) };
  if (err instanceof SyscallError) Object.assign(wire, { errno: err.errno, code: err.code, syscall: err.syscall, path: err.target });
  const step = typeof err === 'object' && err !== null ? failedSteps.get(err) : undefined;
  if (step !== undefined) wire.step = step;
  return wire;
}

/**
 * The init's error as the runtime raises it: a SyscallError when it was one, a
 * RuntimeError otherwise, with the text callers know ("unable to start container
 * process: ...").
 */
export function fromWire(wire: WireError): InitFailure {
  const message = `unable to start container process: ${wire.message}`;
  let err: InitFailure;
  if (wire.syscall !== undefined && wire.code !== undefined) {
    err = new SyscallError(wire.syscall, wire.path ?? '', wire.errno ?? errnoNumber(wire.code) ?? 0, wire.code);
    err.message = message;
  } else {
    err = new RuntimeError(message);
  }
  if (wire.step !== undefined) err.step = wire.step;
  return err;
}

/** Re-raises an init's error; with --debug, the step it failed in is logged first. */
export function raiseInitError(log: LogSink, peer: string, wire: WireError): never {
  if (wire.step !== undefined) log.log('debug', `${peer} failed in step: ${wire.step}`);
  throw fromWire(wire);
}

// ---------------------------------------------------------------------------
// the channel

abstract class Channel<In extends { type: string }, Out extends { type: string }> {
  constructor(readonly fd: number, protected readonly peer: string) {}

  send(message: Out): void {
    this.sendWithin(message, Infinity);
  }

  /** Sends `message` unless its frame takes more than `maxBytes`; whether it was sent. */
  sendWithin(message: Out, maxBytes: number): boolean {
    const body = Buffer.from(JSON.stringify(message));
    if (4 + body.length > maxBytes) return false;
    const frame = Buffer.alloc(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    let off = 0;
    while (off < frame.length) off += writeSync(this.fd, frame, off, frame.length - off);
    return true;
  }

  /**
   * The next message, or undefined when the peer closed the channel. With `timeoutMs`,
   * a peer that says nothing for that long is an error (`what` names the wait).
   */
  receive(timeoutMs?: number, what = 'a message'): In | undefined {
    if (timeoutMs !== undefined) this.waitReadable(timeoutMs, what);
    const head = this.readExactly(4);
    if (!head) return undefined;
    const body = this.readExactly(head.readUInt32LE(0));
    if (!body) throw new ProtocolError(`${this.peer} closed the channel in the middle of a message`);
    let msg: unknown;
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ProtocolError(`${this.peer} sent a message that is not JSON`);
    }
    if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') {
      throw new ProtocolError(`${this.peer} sent a message without a type`);
    }
    return msg as In;
  }

  /** The next message, which must be of type `type` (as runc's readSync). */
  expect<T extends In['type']>(type: T, timeoutMs?: number): Extract<In, { type: T }> {
    for (;;) {
      const msg = this.receive(timeoutMs, `${type} from the ${this.peer}`);
      if (!msg) throw new ChannelClosedError(this.peer, type);
      if (msg.type === type) return msg as Extract<In, { type: T }>;
      if (!this.handleAside(msg)) throw unexpected(this.peer, msg.type, type);
    }
  }

  /** Messages that may come at any time (the init's log and error); true when handled. */
  protected handleAside(_msg: In): boolean {
    return false;
  }

  private waitReadable(timeoutMs: number, what: string): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (pollIn(this.fd, deadline - Date.now(), 'sync channel')) return;
      } catch (err) {
        if (err instanceof SyscallError && err.code === 'EINTR') continue;
        throw err;
      }
      if (Date.now() >= deadline) throw new RuntimeError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    }
  }

  private readExactly(n: number): Buffer | undefined {
    const buf = Buffer.alloc(n);
    let off = 0;
    while (off < n) {
      let got: number;
      try {
        got = readSync(this.fd, buf, off, n - off, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EINTR' || code === 'EAGAIN') continue;
        if (code === 'ECONNRESET') return undefined;
        throw err;
      }
      if (got === 0) return undefined;
      off += got;
    }
    return buf;
  }
}

/** `<peer> sent X where Y was expected`. */
export function unexpected(peer: string, got: string, expected: string): ProtocolError {
  return new ProtocolError(`${peer} sent ${got} where ${expected} was expected`);
}

/** Where an init's log lines go in the runtime. */
export interface LogSink {
  log(level: InitLogLevel, msg: string, fields?: Record<string, unknown>): void;
}

/** The runtime's end: what it hears from an init (named `peer`: "container init", "exec init"). */
export class RuntimeChannel extends Channel<InitMessage, RuntimeMessage> {
  constructor(fd: number, peer: string, private readonly logSink: LogSink) {
    super(fd, peer);
  }

  /** A log line is forwarded; an error is re-raised. */
  protected override handleAside(msg: InitMessage): boolean {
    if (msg.type === 'log') {
      this.logSink.log(msg.level, msg.msg, msg.fields);
      return true;
    }
    if (msg.type === 'error') raiseInitError(this.logSink, this.peer, msg.error);
    return false;
  }
}

/** The init's end: what it hears from the runtime. */
export class InitChannel extends Channel<RuntimeMessage, InitMessage> {
  constructor(fd: number) {
    super(fd, 'runtime');
  }

  /** The container init's config, checked field by field. */
  receiveConfig(): InitConfig {
    return checkInitConfig(this.expect('config').config);
  }

  /** The exec init's config, checked field by field. */
  receiveExecConfig(): ExecInitConfig {
    return checkExecInitConfig(this.expect('execConfig').config);
  }

  log(level: InitLogLevel, msg: string): void {
    this.send({ type: 'log', level, msg });
  }

  /**
   * Runs each step; with --debug, times it and sends it to the runtime's log as
   * `<prefix>: <name>`. An error leaving a step remembers the innermost one it left.
   */
  stepLogger(prefix: string, debug: boolean): Step {
    return (name, fn) => {
      const t0 = debug ? process.hrtime.bigint() : 0n;
      try {
        return fn();
      } catch (err) {
        if (typeof err === 'object' && err !== null && !failedSteps.has(err)) failedSteps.set(err, name);
        throw err;
      } finally {
        if (debug) {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          this.send({ type: 'log', level: 'debug', msg: `${prefix}: ${name}`, fields: { duration: `${ms.toFixed(3)}ms` } });
        }
      }
    };
  }

  /** The init's last word: tells the runtime why it failed, then exits. */
  failAndExit(err: unknown): never {
    try {
      this.send({ type: 'error', error: toWire(err) });
    } catch {
      // The runtime is gone; nothing to tell.
    }
    process.exit(1);
  }
}

/** What an init's steps use of its channel: sending, the runtime's next message, step logging. */
export type InitLink = Pick<InitChannel, 'send' | 'log' | 'expect' | 'stepLogger'>;

// ---------------------------------------------------------------------------
// config shapes: what the init trusts of the runtime's first message

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Checks the kinds of `value`'s fields; `at` is the JSON pointer of `value` in the message. */
function checkFields(what: string, value: unknown, fields: Record<string, Kind | `${Kind}?`>, at = ''): Record<string, unknown> {
  if (kindOf(value) !== 'object') throw new ProtocolError(`${what}: ${at ? `${at} must be an object` : 'expected an object'}, got ${kindOf(value)}`);
  const obj = value as Record<string, unknown>;
  for (const [name, want] of Object.entries(fields)) {
    const optional = want.endsWith('?');
    const kind = optional ? want.slice(0, -1) : want;
    if (obj[name] === undefined && optional) continue;
    if (kindOf(obj[name]) !== kind) throw new ProtocolError(`${what}: ${at}/${name} must be ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}, got ${kindOf(obj[name])}`);
  }
  return obj;
}

/** The fields of a process plan the inits read. */
const PROCESS_PLAN_FIELDS = {
  args: 'array', env: 'array', cwd: 'string', terminal: 'boolean', uid: 'number', gid: 'number', additionalGids: 'array',
  capabilities: 'object', rlimits: 'array', noNewPrivileges: 'boolean',
} as const;

export function checkInitConfig(value: unknown): InitConfig {
  const obj = checkFields('config from the runtime', value, {
    plan: 'object', noPivot: 'boolean', noNewKeyring: 'boolean', preserveFds: 'number', listenFds: 'number',
    cgroupPaths: 'object', debug: 'boolean', oomScoreAdjSet: 'boolean?',
  });
  const plan = checkFields('config from the runtime', obj.plan, {
    id: 'string', bundle: 'string', root: 'object', mounts: 'array', namespaces: 'object', dev: 'object',
    maskedPaths: 'array', readonlyPaths: 'array', sysctls: 'array', timeOffsets: 'array', process: 'object', hooks: 'object',
  }, '/plan');
  checkFields('config from the runtime', plan.process, PROCESS_PLAN_FIELDS, '/plan/process');
  return value as InitConfig;
}

export function checkExecInitConfig(value: unknown): ExecInitConfig {
  const obj = checkFields('execConfig from the runtime', value, {
    id: 'string', process: 'object', namespaces: 'array', preserveFds: 'number', chownStdio: 'boolean',
    joinKeyring: 'boolean', debug: 'boolean', root: 'string?', seccomp: 'object?',
  });
  checkFields('execConfig from the runtime', obj.process, PROCESS_PLAN_FIELDS, '/process');
  for (const [i, type] of (obj.namespaces as unknown[]).entries()) {
    if (typeof type !== 'string' || !isNamespaceType(type)) {
      throw new ProtocolError(`execConfig from the runtime: /namespaces/${i}: unknown namespace type ${JSON.stringify(type)}`);
    }
  }
  return value as ExecInitConfig;
}

// ---------------------------------------------------------------------------
// named fd slots

/** The fds an init inherits beyond stdio and the preserved ones, by name. */
export type SlotName = 'sync' | 'fifo' | 'console' | 'pidsJoin' | 'pidsLeave' | `ns:${string}` | `mount:${number}`;

export interface InitFdLayout {
  /** The child's stdio array: 0-2, the preserved fds 3.., then the slots in order. */
  stdio: (number | 'ignore' | 'inherit')[];
  /** Where each slot lands in the child. */
  slots: Map<SlotName, number>;
  /** The argument that tells the init its slots (`sync=5,fifo=6`). */
  arg: string;
}

/**
 * The init's fds: `head` as 0-2, the caller's fds 3..3+preserve-1 as they are, then
 * each named fd (undefined ones are left out).
 */
export function layoutInitFds(
  head: readonly (number | 'ignore' | 'inherit')[], preserve: number, named: readonly (readonly [SlotName, number | undefined])[],
): InitFdLayout {
  if (head.length !== 3) throw new RuntimeError(`an init's stdio is 3 fds, not ${head.length}`);
  const stdio = [...head];
  for (let fd = 3; fd < 3 + preserve; fd++) stdio.push(fd);
  const slots = new Map<SlotName, number>();
  for (const [name, fd] of named) {
    if (fd === undefined) continue;
    if (slots.has(name)) throw new RuntimeError(`fd slot ${name} given twice`);
    slots.set(name, stdio.length);
    stdio.push(fd);
  }
  return { stdio, slots, arg: [...slots].map(([name, fd]) => `${name}=${fd}`).join(',') };
}

/** Parses the slot argument. */
export function parseSlots(arg: string | undefined): Map<string, number> {
  const slots = new Map<string, number>();
  for (const item of (arg ?? '').split(',')) {
    if (!item) continue;
    const eq = item.lastIndexOf('=');
    const fd = Number(item.slice(eq + 1));
    if (eq <= 0 || !Number.isInteger(fd) || fd < 3) throw new ProtocolError(`bad fd slot ${JSON.stringify(item)}`);
    slots.set(item.slice(0, eq), fd);
  }
  return slots;
}

/** In an init: the fd of a slot the runtime named in argv[2], or undefined when it gave none. */
export function slotFd(name: SlotName, argv: readonly string[] = process.argv): number | undefined {
  return parseSlots(argv[2]).get(name);
}

/** Same as slotFd, for a slot that must be there. */
export function requireSlot(name: SlotName, argv: readonly string[] = process.argv): number {
  const fd = slotFd(name, argv);
  if (fd === undefined) throw new ProtocolError(`the runtime gave no fd for ${name}`);
  return fd;
}

/**
 * The init's end of the sync socket named in its argv. Without one there is nobody to
 * report to: the init says why on stderr and exits 1 (started by hand, or by a broken caller).
 */
export function initChannelFromArgv(who: string, argv: readonly string[] = process.argv): InitChannel {
  try {
    return new InitChannel(requireSlot('sync', argv));
  } catch (err) {
    try {
      writeSync(2, `ocirt ${who}: ${errorMessage(err)}\n`);
    } catch { /* no stderr */ }
    process.exit(1);
  }
}
