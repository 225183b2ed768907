import t from 'tap';
import { closeSync } from 'node:fs';
import { socketpair } from '../../ffi/libc.js';
import { AF_UNIX, SOCK_STREAM, SOCK_CLOEXEC } from '../../ffi/constants.js';
import { SyncChannel } from './sync.js';

t.test('messages cross a socketpair whole, and EOF reads as undefined', async (t) => {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC);
  const left = new SyncChannel(a);
  const right = new SyncChannel(b);
  const big = 'x'.repeat(100_000);
  left.send({ type: 'config', config: { big } });
  left.send({ type: 'hooksDone' });
  t.same(right.receive(), { type: 'config', config: { big } });
  t.same(right.receive(), { type: 'hooksDone' });
  closeSync(a);
  t.equal(right.receive(), undefined);
  closeSync(b);
});
