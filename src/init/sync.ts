// The channel between the runtime and the container init: a unix stream socketpair
// carrying length-prefixed JSON messages. Both ends use blocking reads on their
// main thread: the runtime waits for each step of the init, the init for answers.
//
//   runtime                          init
//   config  ───────────────────────▶          (after the init joined its cgroup)
//           ◀─────────────────────── hooks    (namespaces and mounts are ready)
//   (prestart, createRuntime hooks)
//   hooksDone ─────────────────────▶
//           ◀─────────────────────── ready    (about to wait for `start`)
//           ◀─────────────────────── log      (any time: debug lines for --debug)
//           ◀─────────────────────── error    (any time: the init failed and exits)
import { readSync, writeSync } from 'node:fs';
import { pollIn } from '../../ffi/libc.js';
import { RuntimeError, SyscallError, errorMessage } from '../errors.js';
import type { Step } from '../step.js';

export interface WireError {
  message: string;
  syscall?: string;
  code?: string;
}

export type InitMessage =
  | { type: 'booted' }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'log'; level: 'debug' | 'info' | 'warning' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { type: 'error'; error: WireError };

export type RuntimeMessage =
  | { type: 'config'; config: unknown }
  | { type: 'hooksDone' };

/** An error as it crosses to the runtime: the message, plus the syscall and errno name. */
export function toWire(err: unknown): WireError {
  const wire: WireError = { message: errorMessage(err) };
  if (err instanceof SyscallError) {
    wire.syscall = err.syscall;
    wire.code = err.code;
  }
  return wire;
}


export class SyncChannel {
  constructor(readonly fd: number) {}

  /** With --debug, times each step and sends it to the runtime's log as `<prefix>: <name>`. */
  stepLogger(prefix: string, debug: boolean): Step {
    return (name, fn) => {
      if (!debug) return fn();
      const t0 = process.hrtime.bigint();
      try {
        return fn();
      } finally {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        this.send({ type: 'log', level: 'debug', msg: `${prefix}: ${name}`, fields: { duration: `${ms.toFixed(3)}ms` } });
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

  send(message: InitMessage | RuntimeMessage): void {
    const body = Buffer.from(JSON.stringify(message));
    const frame = Buffer.alloc(4 + body.length);
    frame.writeUInt32LE(body.length, 0);
    body.copy(frame, 4);
    let off = 0;
    while (off < frame.length) off += writeSync(this.fd, frame, off, frame.length - off);
  }

  /**
   * The next message, or undefined when the peer closed the channel. With `timeoutMs`,
   * a peer that says nothing for that long is an error (`what` names the wait).
   */
  receive<T>(timeoutMs?: number, what = 'a message'): T | undefined {
    if (timeoutMs !== undefined) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          if (pollIn(this.fd, deadline - Date.now(), 'sync channel')) break;
        } catch (err) {
          if (err instanceof SyscallError && err.code === 'EINTR') continue;
          throw err;
        }
        if (Date.now() >= deadline) throw new RuntimeError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      }
    }
    const head = this.readExactly(4);
    if (!head) return undefined;
    const body = this.readExactly(head.readUInt32LE(0));
    if (!body) throw new RuntimeError('sync channel closed in the middle of a message');
    return JSON.parse(body.toString('utf8')) as T;
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
        if (code === 'ECONNRESET') return off === 0 ? undefined : buf.subarray(0, off);
        throw err;
      }
      if (got === 0) return off === 0 ? undefined : undefined;
      off += got;
    }
    return buf;
  }
}
