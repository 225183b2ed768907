// A runtime's end of the channel for the inits' unit tests: it records what the init
// sends and asks for, at the position in the FakeSys call log where it happened, so a
// test reads syscalls and messages as one timeline.
import { InitChannel, type InitLink, type InitLogLevel, type InitMessage, type RuntimeMessage } from '../../src/protocol.js';
import type { FakeSys } from './fake.js';

export class FakeInitLink implements InitLink {
  /** What happened on the channel, and how many syscalls had been made by then. */
  readonly events: { at: number; what: string; message?: InitMessage }[] = [];
  constructor(private readonly sys: FakeSys) {}

  /** The real step logging, without --debug (which would write to the channel): it remembers the step an error left. */
  stepLogger(prefix: string): ReturnType<InitChannel['stepLogger']> {
    return new InitChannel(-1).stepLogger(prefix, false);
  }

  /** Marks a point of the timeline (e.g. `start`). */
  mark(what: string): void {
    this.events.push({ at: this.sys.calls.length, what });
  }

  send(message: InitMessage): void {
    this.events.push({ at: this.sys.calls.length, what: `send ${message.type}`, message });
  }

  log(level: InitLogLevel, msg: string): void {
    this.send({ type: 'log', level, msg });
  }

  expect<T extends RuntimeMessage['type']>(type: T): Extract<RuntimeMessage, { type: T }> {
    this.mark(`receive ${type}`);
    return { type } as Extract<RuntimeMessage, { type: T }>;
  }

  /** The messages sent, by type. */
  sent(type: InitMessage['type']): InitMessage[] {
    return this.events.filter((e) => e.message?.type === type).map((e) => e.message!);
  }

  /**
   * Syscalls and channel events in order. A syscall reads as its name, a mount as
   * `mount <target>`, a prctl as `prctl <what>`.
   */
  timeline(): string[] {
    const out: string[] = [];
    let e = 0;
    const calls = this.sys.calls;
    for (let i = 0; i <= calls.length; i++) {
      while (e < this.events.length && this.events[e]!.at === i) out.push(this.events[e++]!.what);
      const c = calls[i];
      if (!c) continue;
      if (c.name === 'mount') out.push(`mount ${String(c.args[1])}`);
      else if (c.name === 'prctl') out.push(`prctl ${String(c.args[5])}`);
      else out.push(c.name);
    }
    return out;
  }
}
