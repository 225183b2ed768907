import t from 'tap';
import net from 'node:net';
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as libc from '../../ffi/libc.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from '../../ffi/constants.js';
import { connectConsoleSocket, recvConsoleFd, recvTerminal, sendConsoleFd } from './console-socket.js';

const dir = mkdtempSync(join(tmpdir(), 'ocirt-console-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function isCloexec(fd: number): boolean {
  const flags = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^flags:\s+(\d+)/m)![1]!;
  return (parseInt(flags, 8) & 0o2000000) !== 0;
}

function sameFile(a: number, b: number): boolean {
  const x = fstatSync(a);
  const y = fstatSync(b);
  return x.dev === y.dev && x.ino === y.ino;
}

t.test('sendConsoleFd/recvTerminal over a socketpair carry the fd and its name', async (t) => {
  const [a, b] = libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  const file = openSync('/etc/hostname', 'r');
  t.teardown(() => { closeSync(a); closeSync(b); closeSync(file); });

  t.equal(recvTerminal(b, { nonblock: true }), null, 'nothing queued yet');
  sendConsoleFd(a, file, '/dev/ptmx');
  const got = recvTerminal(b)!;
  t.equal(got.name, '/dev/ptmx');
  t.not(got.fd, file, 'a new fd');
  t.ok(sameFile(got.fd, file), 'for the same open file');
  t.ok(isCloexec(got.fd), 'received fd is close-on-exec');
  closeSync(got.fd);

  sendConsoleFd(a, file, '');
  const fd = recvConsoleFd(b);
  t.ok(sameFile(fd, file), 'recvConsoleFd returns the bare fd (empty name works)');
  closeSync(fd);
});

t.test('recv reports a peer that closed without sending', async (t) => {
  const [a, b] = libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  closeSync(a);
  t.throws(() => recvConsoleFd(b), { message: `recvmsg console socket fd ${b}: peer closed without sending a file descriptor` });
  closeSync(b);
});

/** A unix server that does not read (so the fd stays queued for recvmsg). */
async function listen(t: { teardown(fn: () => void): void }, path: string): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  t.teardown(() => server.close());
  return server;
}

function acceptedFd(server: net.Server): Promise<{ socket: net.Socket; fd: number }> {
  return new Promise((resolve) => server.once('connection', (socket) => {
    resolve({ socket, fd: (socket as unknown as { _handle: { fd: number } })._handle.fd });
  }));
}

t.test('connectConsoleSocket + sendConsoleFd complete before the listener accepts', async (t) => {
  const path = join(dir, 'console.sock');
  const server = await listen(t, path);
  const accepted = acceptedFd(server);
  const file = openSync('/etc/hostname', 'r');
  // Both calls are synchronous: the event loop (and so accept) has not run yet.
  const sock = connectConsoleSocket(path);
  t.ok(isCloexec(sock), 'connected fd is close-on-exec');
  sendConsoleFd(sock, file, '/dev/ptmx');
  closeSync(sock);

  const { socket, fd } = await accepted;
  const got = recvTerminal(fd)!;
  t.equal(got.name, '/dev/ptmx');
  t.ok(sameFile(got.fd, file));
  closeSync(got.fd);
  closeSync(file);
  socket.destroy();
});

t.test('socket paths longer than sun_path still connect', async (t) => {
  let deep = dir;
  while (deep.length < 130) deep = join(deep, 'a-rather-long-directory-name');
  mkdirSync(deep, { recursive: true });
  const full = join(deep, 'console.sock');
  t.ok(Buffer.byteLength(full) > 108, 'path exceeds sun_path');
  // Node's listen() cannot bind such a path either: bind it relative to the cwd.
  const old = process.cwd();
  process.chdir(deep);
  let server: net.Server;
  try {
    server = await listen(t, 'console.sock');
  } finally {
    process.chdir(old);
  }
  const accepted = acceptedFd(server);
  const sock = connectConsoleSocket(full);
  const file = openSync('/etc/hostname', 'r');
  sendConsoleFd(sock, file, 'x');
  closeSync(sock);
  const { socket, fd } = await accepted;
  const got = recvTerminal(fd)!;
  t.ok(sameFile(got.fd, file));
  closeSync(got.fd);
  closeSync(file);
  socket.destroy();
});

t.test('connect errors name the path and errno; abstract addresses are refused', async (t) => {
  const missing = join(dir, 'nobody.sock');
  t.throws(() => connectConsoleSocket(missing), { message: `connect ${missing}: ENOENT` });
  t.throws(() => connectConsoleSocket('\0abstract'), { message: /abstract or empty socket addresses are not supported/ });
  t.throws(() => connectConsoleSocket(''), { message: /not supported/ });
  const notSock = join(dir, 'plain');
  closeSync(openSync(notSock, 'w'));
  t.throws(() => connectConsoleSocket(notSock), { message: `connect ${notSock}: ECONNREFUSED` });
});
