// The exec init: spawned by `exec` (src/runtime/operations/exec.ts) inside the container's PID
// namespace and cgroup, with its fds (the sync socket, the container init's other
// namespaces, ...) named in argv[2] (the exchange: src/protocol.ts). It receives its config
// and runs the process's steps (src/init/exec-init.ts). All of it runs synchronously on the
// main thread: namespaces, root, credentials and capabilities are per thread.
import { dumpableError } from './early-guard.js'; // first: makes sure we are non-dumpable
import { withContext } from '../errors.js';
import { linuxSys } from '../syscall/linux.js';
import { ChannelClosedError, initChannelFromArgv } from '../protocol.js';
import { currentlyIgnored } from './signal-dispositions.js';
import { runExecInit } from './exec-init.js';

const sync = initChannelFromArgv('exec-init');

function run(): never {
  if (dumpableError) throw withContext('exec init', dumpableError);
  // Node ignores some signals for itself; read them while /proc is still the host's.
  const ignored = currentlyIgnored();
  sync.send({ type: 'booted' });
  let config;
  try {
    config = sync.receiveExecConfig();
  } catch (err) {
    if (err instanceof ChannelClosedError) process.exit(1); // the runtime gave up before sending anything
    throw err;
  }
  return runExecInit(linuxSys, sync, config, { argv: process.argv, ignoredSignals: ignored });
}

try {
  run();
} catch (err) {
  sync.failAndExit(err);
}
