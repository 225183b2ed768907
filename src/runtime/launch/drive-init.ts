// The runtime's side of driving an init (container init or exec init) over its
// channel (src/protocol.ts): open the channel, move the fresh init into the cgroup
// around its boot, then serve it until it is ready.
import { RuntimeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CgroupManager } from '../../cgroups/index.js';
import type { LinuxResources } from '../../generated/config.js';
import { ChannelClosedError, RuntimeChannel, raiseInitError, unexpected, type InitMessage, type LogSink, type RuntimeMessage } from '../../protocol.js';
import { unixSocketPair } from './socketpair.js';
import { settleWithin } from '../../sleep.js';

/** How long a fresh init may take to load Node before create or exec gives up on it. */
export const BOOT_TIMEOUT_MS = 60_000;

/** A new sync channel: our end, and the init's end to hand over at the spawn (and close after it). */
export function openInitChannel(log: LogSink, what: string): { channel: RuntimeChannel; theirs: number } {
  const [ours, theirs] = unixSocketPair();
  return { channel: new RuntimeChannel(ours, what, log), theirs };
}

/**
 * Puts a freshly spawned init (container init or exec init) into the container's
 * cgroup and waits until Node has loaded (its `booted`). Memory is charged to the
 * cgroup a process is in when it touches a page, and Node's start-up alone is more
 * than a small limit allows (Docker's minimum is 6 MB; runc's init needs a few MB).
 * Node also starts several threads, each one a task for pids.max, and a start-up
 * whose thread creation fails hangs. So when the container's memory or (on cgroup2,
 * where one directory holds both) its pids are limited, the init joins the memory
 * cgroup only once it has loaded; otherwise it joins everything at once, which
 * overlaps with Node's start-up (each cgroup move may wait for an RCU grace period).
 * Into a frozen cgroup (exec into a paused container) it moves only once it has
 * loaded, or it would never say so. Directories in `except` are left to the init
 * (the v1 pids hierarchy, which it joins just before execve: src/cgroups/self-join.ts).
 * The wait for `booted` is bounded: an init that cannot start fails the command.
 * `duringBoot` is work of the runtime's that the init waits for (compiling its seccomp
 * filter), done while the init starts. `tellEarly`, when nothing is left to do between
 * the init's boot and its config, sends the config (see sendWhileBooting): the init
 * then finds it waiting when it has booted, and the round trip of `booted` is saved.
 */
export async function joinCgroupAroundBoot(
  log: Logger, cg: CgroupManager, pid: number | (() => number), channel: RuntimeChannel,
  container: { resources: LinuxResources | undefined; frozen: boolean; except?: readonly string[] },
  what: string, exited: Promise<unknown>, duringBoot?: () => void, tellEarly?: () => void,
): Promise<number> {
  // A pid known only once the init has booted (forked by a launcher): it joins then, all at once.
  const known = typeof pid === 'number';
  const frozen = container.frozen || !known;
  const { resources, except = [] } = container;
  const memory = resources?.memory;
  const memoryLimited = memory !== undefined && [memory.limit, memory.reservation, memory.swap].some((v) => v !== undefined && v >= 0);
  const pids = resources?.pids?.limit;
  const pidsLimited = cg.mode === 'unified' && pids !== undefined && pids > 0;
  const limited = memoryLimited || pidsLimited;
  const before = frozen ? undefined : limited ? 'all but memory' : 'all';
  const after = frozen ? 'all' : limited ? 'memory' : undefined;
  if (before && known) log.step(`cgroup add ${what}`, () => cg.addProcess(pid, before, except));
  // The runtime's own work for the init, done while the init starts.
  duringBoot?.();
  if (after === undefined) tellEarly?.();
  try {
    channel.expect('booted', BOOT_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof ChannelClosedError) return initVanished(what, exited);
    throw err;
  }
  const booted = known ? pid : pid();
  if (after) log.step(`cgroup add ${what} (${after === 'all' ? 'frozen' : 'memory'})`, () => cg.addProcess(booted, after, except));
  return booted;
}

/**
 * Sends `message` to an init that may still be booting, unless it could fill the socket's
 * buffer (a write that blocks would wait on an init that has not booted yet, past the
 * boot timeout) or the init is gone already (then the wait for `booted` says so).
 * Returns whether it was sent.
 */
export function sendWhileBooting(channel: RuntimeChannel, message: RuntimeMessage): boolean {
  try {
    return channel.sendWithin(message, EARLY_MESSAGE_MAX);
  } catch (err) {
    if (err instanceof Error && ['EPIPE', 'ECONNRESET'].includes((err as NodeJS.ErrnoException).code ?? '')) return false;
    throw err;
  }
}

/** Well under a Unix socket's default send buffer (net.core.wmem_default, 208 KiB). */
const EARLY_MESSAGE_MAX = 64 * 1024;

/** The channel as serveInit uses it (a fake in the tests). */
export interface InitPeer {
  receive(): InitMessage | undefined;
  send(message: RuntimeMessage): void;
}

export interface ServeOptions {
  /** The init's name in errors: "container init", "exec init". */
  what: string;
  /** Settles when the init has exited. */
  exited: Promise<unknown>;
  /** Runs the prestart and createRuntime hooks when the init asks (the container init only). */
  hooks?: () => void;
  /**
   * After `ready`, wait for the end of file that says the init's execve succeeded (the
   * exec init, whose channel is close-on-exec) instead of returning at once.
   */
  untilExec?: boolean;
}

/**
 * Serves an init's requests until it is ready: log lines are forwarded, hooks run,
 * an error is re-raised as the error it was in the init. Anything else breaks the
 * protocol and fails the command.
 */
export async function serveInit(peer: InitPeer, log: LogSink, opts: ServeOptions): Promise<void> {
  let ready = false;
  for (;;) {
    const msg = peer.receive();
    if (!msg) {
      if (ready) return;
      return initVanished(opts.what, opts.exited);
    }
    switch (msg.type) {
      case 'log':
        log.log(msg.level, msg.msg, msg.fields);
        break;
      case 'error':
        return raiseInitError(log, opts.what, msg.error);
      case 'hooks':
        if (!opts.hooks || ready) throw unexpected(opts.what, msg.type, ready ? 'end of file' : 'ready');
        opts.hooks();
        peer.send({ type: 'hooksDone' });
        break;
      case 'ready':
        if (ready) throw unexpected(opts.what, msg.type, 'end of file');
        if (!opts.untilExec) return;
        ready = true;
        break;
      default:
        throw unexpected(opts.what, msg.type, ready ? 'end of file' : opts.hooks ? 'hooks or ready' : 'ready');
    }
  }
}

/** The init closed the channel without a word: let it be reaped, then fail. */
export async function initVanished(what: string, exited: Promise<unknown>): Promise<never> {
  await settleWithin(exited, 100);
  throw new RuntimeError(`${what} exited unexpectedly`);
}
