// The runtime's socketpairs: the sync channel to an init, and the pair a foreground
// terminal's pty master comes back over.
import { socketpair } from '../../../ffi/libc.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from '../../../ffi/constants.js';

/** A connected pair of close-on-exec unix stream sockets. */
export function unixSocketPair(): [number, number] {
  return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
}
