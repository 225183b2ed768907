// Streams over the pipe and pty fds the runtime makes for a foreground container,
// waited on by the event loop: never a thread blocked in a read. (Bun's pool has two
// threads: two blocked reads of the process's output starve the read of our stdin.)
// Node's tty streams take both; Bun's take ptys, and pipes go through Bun's own file
// streams (which read a pty with pread, and fail). Each stream owns its fd and closes
// it when it closes. node:stream and node:tty are loaded at the first stream: the inits
// import this module through the terminal code, and loading both costs the engine close to
// 3 ms and 300 page faults of every start.
import { closeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

const tty = () => process.getBuiltinModule('node:tty');
const stream = () => process.getBuiltinModule('node:stream');

interface BunFileSink { write(chunk: Uint8Array): number; flush(): number | Promise<number>; end(): unknown }
interface BunRuntime { file(fd: number): { stream(): ReadableStream<Uint8Array>; writer(): BunFileSink } }

const bun = (globalThis as { Bun?: BunRuntime }).Bun;

function closeQuietly(fd: number): void {
  try { closeSync(fd); } catch { /* closed already */ }
}

export type FdKind = 'pipe' | 'pty';

/** A readable stream of `fd`, a pipe's read end or a pty master. */
export function readFd(fd: number, kind: FdKind): Readable {
  if (!bun || kind === 'pty') return new (tty().ReadStream)(fd);
  const readable = stream().Readable.fromWeb(bun.file(fd).stream() as import('node:stream/web').ReadableStream<Uint8Array>);
  readable.once('close', () => closeQuietly(fd));
  return readable;
}

/** A writable stream of `fd`, a pipe's write end or a pty master. */
export function writeFd(fd: number, kind: FdKind): Writable {
  if (!bun || kind === 'pty') return new (tty().WriteStream)(fd);
  const sink = bun.file(fd).writer();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    try { sink.end(); } catch { /* the reader is gone */ }
    closeQuietly(fd);
  };
  return new (stream().Writable)({
    write(chunk: Buffer, _encoding, callback) {
      try {
        sink.write(chunk);
        Promise.resolve(sink.flush()).then(() => callback(), callback);
      } catch (err) {
        callback(err as Error);
      }
    },
    final(callback) {
      finish();
      callback();
    },
    destroy(err, callback) {
      finish();
      callback(err);
    },
  });
}
