// The container's own session keyring, named _ses.<id> as runc names it (skipped
// with --no-new-keyring). keyctl acts on the calling thread, which then execs.
import { rawSyscall } from '../../ffi/libc.js';
import { SYS } from '../../ffi/constants.js';

const KEYCTL_JOIN_SESSION_KEYRING = 1;

export function joinSessionKeyring(containerId: string): void {
  const name = `_ses.${containerId}`;
  rawSyscall(SYS.keyctl, 'keyctl', name, ['int', KEYCTL_JOIN_SESSION_KEYRING], ['str', name]);
}
