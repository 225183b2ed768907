// Foreground `run` and `exec` without a terminal: the container's process gets pipes
// for its stdin, stdout and stderr, and the runtime copies between them and its own
// stdio, as runc does. Handing it the caller's own fds would give it the caller's
// files: `: > /proc/self/fd/1` would truncate the caller's log, a reopen of
// /proc/self/fd/0 would read files the caller never meant to pass. (Detached
// containers keep the caller's stdio: engines hand their own pipes on purpose.)
import { closeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { readFd, writeFd } from '../../fd-streams.js';
import * as libc from '../../../ffi/libc.js';
import { O_CLOEXEC } from '../../../ffi/constants.js';

/** After the process has exited, output is waited for until its end, or until this long without any. */
const OUTPUT_IDLE_MS = 200;

export interface StdioPipes {
  /** The process's ends, to hand to the spawn as its fds 0, 1 and 2. */
  readonly childFds: [number, number, number];
  /** Closes the process's ends here, once the spawn has its own copies. */
  closeChildEnds(): void;
  /** Starts copying: our stdin to the process, its stdout and stderr to ours. */
  start(): void;
  /**
   * Once the process has exited: waits for the rest of its output (until end of file,
   * or until no more comes for a while from a process it left behind), then closes
   * our ends and stops reading our stdin.
   */
  finish(): Promise<void>;
  /** Closes every end still open here (a start that failed). */
  close(): void;
}

interface Caller { stdin: Readable; stdout: Writable; stderr: Writable }

export function openStdioPipes(caller: Caller = process): StdioPipes {
  const opened: number[] = [];
  let stdin: [number, number], stdout: [number, number], stderr: [number, number];
  try {
    stdin = libc.pipe2(O_CLOEXEC);
    opened.push(...stdin);
    stdout = libc.pipe2(O_CLOEXEC);
    opened.push(...stdout);
    stderr = libc.pipe2(O_CLOEXEC);
    opened.push(...stderr);
  } catch (err) {
    for (const fd of opened) closeSync(fd);
    throw err;
  }
  const childEnds = new Set([stdin[0], stdout[1], stderr[1]]);
  let streams: { input: Writable; outputs: Readable[] } | undefined;
  let lastOutput = Date.now();
  let closed = false;
  const stopInput = (input: Writable) => {
    caller.stdin.unpipe(input);
    caller.stdin.pause();
    input.destroy();
  };

  const closeChildEnds = () => {
    for (const fd of childEnds) closeSync(fd);
    childEnds.clear();
  };

  return {
    childFds: [stdin[0], stdout[1], stderr[1]],
    closeChildEnds,
    start() {
      closeChildEnds();
      const input = writeFd(stdin[1], 'pipe');
      // The process closed its stdin, or exited: what we still read is not wanted.
      input.on('error', () => stopInput(input));
      caller.stdin.on('error', () => input.end());
      caller.stdin.pipe(input);
      const outputs = [[stdout[0], caller.stdout], [stderr[0], caller.stderr]].map(([fd, dest]) => {
        const source = readFd(fd as number, 'pipe');
        source.on('data', () => { lastOutput = Date.now(); });
        // Our side went away (EPIPE): stop reading, so the process gets EPIPE in turn.
        (dest as Writable).on('error', () => source.destroy());
        source.on('error', () => source.destroy());
        source.pipe(dest as Writable, { end: false });
        return source;
      });
      streams = { input, outputs };
    },
    async finish() {
      if (!streams) return;
      const { input, outputs } = streams;
      stopInput(input);
      // What the process wrote just before it exited may not have been read yet.
      lastOutput = Date.now();
      await Promise.all(outputs.map((source) => new Promise<void>((resolve) => {
        if (source.destroyed || source.readableEnded) return resolve();
        const timer = setInterval(() => {
          if (Date.now() - lastOutput >= OUTPUT_IDLE_MS) source.destroy();
        }, OUTPUT_IDLE_MS / 4);
        source.once('close', () => {
          clearInterval(timer);
          resolve();
        });
      })));
    },
    close() {
      if (closed) return;
      closed = true;
      if (streams) {
        stopInput(streams.input);
        for (const source of streams.outputs) source.destroy();
      } else {
        closeChildEnds();
        for (const fd of [stdin[1], stdout[0], stderr[0]]) closeSync(fd);
      }
    },
  };
}
