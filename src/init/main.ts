// The container init: spawned by `create` as PID 1 of the container's PID namespace,
// with its fds (sync socket, exec.fifo, ...) named in argv[2] (src/protocol.ts). It
// receives its config and runs the container's steps (src/init/standard-init.ts) on its
// main thread: they report ready, wait for `start` on exec.fifo, then exec the container's
// process. Nothing runs asynchronously before the wait, so no libuv pool thread ever acts
// for it in the container's namespaces.
import { dumpableError } from './early-guard.js'; // first: makes sure we are non-dumpable
import { closeSync, openSync, writeSync, constants as fsc } from 'node:fs';
import { O_PATH, PR_SET_PDEATHSIG } from '../../ffi/constants.js';
import { errorMessage } from '../errors.js';
import { linuxSys } from '../syscall/linux.js';
import { ChannelClosedError, initChannelFromArgv, requireSlot } from '../protocol.js';
import type { InitConfig } from './config.js';
import { runStandardInit, type StandardInitIO } from './standard-init.js';
import { waitForStart } from './wait-for-start.js';
import { currentlyIgnored } from './signal-dispositions.js';

const sync = initChannelFromArgv('init');

function fail(err: unknown): never {
  return sync.failAndExit(err);
}

async function main(): Promise<void> {
  let config: InitConfig;
  let procFd: number;
  let fifoFd: number;
  let ignored: number[];
  try {
    if (dumpableError) throw dumpableError;
    // The host's /proc, kept to reopen exec.fifo after pivot_root.
    procFd = openSync('/proc', O_PATH | fsc.O_DIRECTORY);
    // Node ignores some signals (SIGPIPE, SIGXFSZ) for itself, and an ignored signal
    // stays ignored across execve: note them now, restore them before the exec.
    ignored = currentlyIgnored();
    // In a user namespace, the init's parent is `unshare --fork --kill-child`, whose
    // death would kill us: the runtime ends it once we have booted, and takes us over.
    linuxSys.prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0, 'PR_SET_PDEATHSIG 0');
    sync.send({ type: 'booted' });
    config = sync.receiveConfig();
    fifoFd = requireSlot('fifo');
  } catch (err) {
    // The runtime gave up before sending anything: nothing to tell.
    if (err instanceof ChannelClosedError) process.exit(1);
    fail(err);
  }
  let created = false;
  const io: StandardInitIO = {
    argv: process.argv,
    ignoredSignals: ignored,
    waitForStart: async () => {
      created = true;
      closeSync(sync.fd);
      // Between create and start: signals sent to a created container end it (as
      // PID 1 we only receive signals we handle).
      for (const [sig, n] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1], ['SIGQUIT', 3], ['SIGUSR1', 10], ['SIGUSR2', 12]] as const) {
        process.on(sig, () => process.exit(128 + n));
      }
      await waitForStart(procFd, fifoFd);
      closeSync(procFd);
    },
  };
  try {
    await runStandardInit(linuxSys, sync, config, io);
  } catch (err) {
    if (!created) fail(err);
    // `create` has returned: the container's stderr is all that is left to tell.
    try {
      writeSync(2, `ocirt init: ${errorMessage(err)}\n`);
    } catch { /* no stderr */ }
    process.exit(255);
  }
}

void main();
