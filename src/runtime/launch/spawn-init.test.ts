import t from 'tap';
import { capabilityToWithhold } from './spawn-init.js';

const bits = (...caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n);
const FULL = (1n << 41n) - 1n; // CAP_CHOWN .. CAP_CHECKPOINT_RESTORE (40)

t.test('root with permitted = bounding gives up CAP_WAKE_ALARM first', async (t) => {
  t.equal(capabilityToWithhold(FULL, 0n, FULL), 35);
});

t.test('the next unused capability when one is missing', async (t) => {
  const noWake = FULL & ~bits(35);
  t.equal(capabilityToWithhold(noWake, 0n, noWake), 36, 'CAP_BLOCK_SUSPEND');
  const fewer = FULL & ~bits(35, 36);
  t.equal(capabilityToWithhold(fewer, 0n, fewer), 22, 'CAP_SYS_BOOT');
});

t.test('nothing to give up when an exec gains a capability already', async (t) => {
  t.equal(capabilityToWithhold(FULL & ~bits(21), 0n, FULL), undefined, 'bounding has one permitted lacks');
  t.equal(capabilityToWithhold(bits(0), bits(1), bits(0)), undefined, 'inheritable has one permitted lacks');
});

t.test('a capability outside the bounding set is no use', async (t) => {
  // CAP_WAKE_ALARM is permitted but would not come back at exec: the next one is chosen.
  t.equal(capabilityToWithhold(FULL, 0n, FULL & ~bits(35)), 36);
});

t.test('no candidate: an error that says why', async (t) => {
  const none = bits(0, 1, 2);
  t.throws(() => capabilityToWithhold(none, 0n, none), /cannot start the init hidden from the container: none of CAP_WAKE_ALARM/);
});
