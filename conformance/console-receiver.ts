// Receiver for `--console-socket`: listens on a unix socket, takes the pty master fd the runtime
// sends with SCM_RIGHTS, then relays the terminal: what the container writes arrives in `output`,
// and `write()` types into it.
//
// Node cannot receive SCM_RIGHTS itself, so the socket end is a small python3 child
// (socket.recv_fds). It reports events as JSON lines on its stderr and relays the pty on its
// stdin/stdout.

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { requireTool, tempDir, trackProcess } from './helpers.js';

const RECEIVER_PY = String.raw`
import json, os, select, socket, sys

def event(**kw):
    sys.stderr.write(json.dumps(kw) + "\n")
    sys.stderr.flush()

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
event(type="ready")
conn, _ = srv.accept()
msg, fds, flags, _ = socket.recv_fds(conn, 4096, 4)
conn.close()
srv.close()
if len(fds) != 1:
    event(type="error", message="expected exactly one fd, got %d" % len(fds))
    sys.exit(1)
master = fds[0]
info = {"type": "received", "name": msg.decode(errors="replace"), "fdCount": len(fds), "isatty": os.isatty(master)}
try:
    # A pty master reports the name of its slave through TIOCGPTN; ttyname() of a master is /dev/ptmx.
    import fcntl, struct, termios
    TIOCGPTN = 0x80045430  # not exported by python's termios
    n = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0\0\0\0"))[0]
    info["ptyNumber"] = n
    info["size"] = list(struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))[:2])
except Exception as e:
    info["ioctlError"] = str(e)
event(**info)

stdin_open = True
out = sys.stdout.buffer
while True:
    watch = [master] + ([0] if stdin_open else [])
    ready, _, _ = select.select(watch, [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""  # EIO: every slave end is closed, the container is gone
        if not data:
            break
        out.write(data)
        out.flush()
    if stdin_open and 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            stdin_open = False
event(type="closed")
`;

export interface ReceivedConsole {
  /** The payload sent with the fd (runc sends the pty's path name). */
  name: string;
  fdCount: number;
  isatty: boolean;
  ptyNumber?: number;
  /** [rows, cols] of the terminal as the master sees it. */
  size?: [number, number];
}

export interface ConsoleReceiver {
  socketPath: string;
  /** Resolves when the runtime has sent the pty master. */
  received: Promise<ReceivedConsole>;
  /** Resolves when the terminal is closed (every slave end gone). */
  closed: Promise<void>;
  /** Everything read from the terminal so far. */
  output(): string;
  /** Type into the terminal. */
  write(text: string): void;
  /** Wait until the terminal output matches `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Start a receiver listening on a fresh socket in a temp dir (removed at suite teardown). */
export async function startConsoleReceiver(): Promise<ConsoleReceiver> {
  const python = requireTool('python3');
  const dir = await tempDir('console');
  const socketPath = path.join(dir, 'console.sock');
  const child: ChildProcess = trackProcess(
    spawn(python, ['-c', RECEIVER_PY, socketPath], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  let output = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    for (const w of waiters) w();
  });
  child.stdin!.on('error', () => undefined);

  let stderrBuf = '';
  let diagnostics = '';
  let onReady!: () => void;
  let onReceived!: (r: ReceivedConsole) => void;
  let onFail!: (e: Error) => void;
  const ready = new Promise<void>((res) => (onReady = res));
  const received = new Promise<ReceivedConsole>((res, rej) => {
    onReceived = res;
    onFail = rej;
  });
  received.catch(() => undefined); // a caller that never asks must not get an unhandled rejection
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderrBuf += d;
    let nl: number;
    while ((nl = stderrBuf.indexOf('\n')) >= 0) {
      const line = stderrBuf.slice(0, nl);
      stderrBuf = stderrBuf.slice(nl + 1);
      let ev: { type?: string; message?: string } & Partial<ReceivedConsole>;
      try {
        ev = JSON.parse(line);
      } catch {
        diagnostics += line + '\n'; // a python traceback, reported when the receiver exits
        continue;
      }
      if (ev.type === 'ready') onReady();
      else if (ev.type === 'received') onReceived(ev as ReceivedConsole);
      else if (ev.type === 'error') onFail(new Error(`console receiver: ${ev.message}`));
    }
  });
  const closed = new Promise<void>((res) => child.on('exit', () => res()));
  child.on('exit', (code) => {
    onFail(new Error(`console receiver exited (${code}) before receiving a console fd${diagnostics ? `:\n${diagnostics}` : ''}`));
    onReady();
  });
  await ready;

  return {
    socketPath,
    received,
    closed,
    output: () => output,
    write: (text) => {
      child.stdin!.write(text);
    },
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(output);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`terminal output did not match ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(output)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
