// `run`: create and start in one go. In the foreground we stay the init's parent:
// signals we receive go to the container, a terminal is proxied through us (or,
// without one, its stdio is piped through us), and we exit with the container's
// status (128+signal when it was killed).
import { closeSync } from 'node:fs';
import { PR_SET_CHILD_SUBREAPER } from '../../../ffi/constants.js';
import { linuxSys } from '../../syscall/linux.js';
import { unixSocketPair } from '../launch/socketpair.js';
import { recvConsoleFd, proxyTerminal } from '../../terminal/index.js';
import { createContainer, prepareCreate, type CreateOptions } from './create.js';
import { startContainer } from './start.js';
import { deleteContainer } from './delete.js';
import { openStdioPipes } from '../launch/stdio-pipes.js';
import { exitStatus, forwardSignals } from '../launch/foreground.js';
import { waitForAdopted } from '../launch/adopted-init.js';
import type { RuntimeContext } from '../shared/context.js';
import { errorMessage } from '../../errors.js';
import { settleWithin } from '../../sleep.js';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  keep?: boolean;
  noSubreaper?: boolean;
}

/** Returns the exit status for the CLI (0 when detached). */
export async function runContainer(ctx: RuntimeContext, id: string, opts: RunOptions = {}): Promise<number> {
  if (opts.detach) {
    await createContainer(ctx, id, opts);
    await startWithCleanup(ctx, id);
    return 0;
  }
  const prepared = ctx.log.step('validate bundle', () => prepareCreate(id, { ...opts, foreground: {} }));
  const { spec } = prepared;
  let ours: number | undefined;
  let consoleFd: number | undefined;
  if (spec.process?.terminal) [ours, consoleFd] = unixSocketPair();
  if (!opts.noSubreaper) linuxSys.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, 'PR_SET_CHILD_SUBREAPER');

  // Without a terminal the container gets pipes, never our own stdio (src/runtime/stdio-pipes.ts).
  const pipes = spec.process?.terminal ? undefined : openStdioPipes();
  let created;
  try {
    created = await createContainer(ctx, id, { ...opts, foreground: { consoleFd, stdio: pipes?.childFds }, prepared });
  } catch (err) {
    pipes?.close();
    throw err;
  } finally {
    if (consoleFd !== undefined) closeSync(consoleFd);
    pipes?.closeChildEnds();
  }
  const { child, record } = created;
  const exited = created.adopted ? waitForAdopted(record.pid) : exitStatus(child);
  const stopForwarding = forwardSignals(record.pid);
  let terminal: Promise<void> | undefined;
  try {
    if (ours !== undefined) {
      const master = recvConsoleFd(ours);
      closeSync(ours);
      terminal = proxyTerminal(master, { stdin: process.stdin, stdout: process.stdout });
    }
    pipes?.start();
    await startWithCleanup(ctx, id);
    const status = await exited;
    await pipes?.finish();
    if (terminal) await settleWithin(terminal, 200);
    return status;
  } finally {
    pipes?.close();
    stopForwarding();
    if (!opts.keep) {
      try {
        await deleteContainer(ctx, id, { force: true });
      } catch (err) {
        ctx.log.warn(`delete after run: ${errorMessage(err)}`);
      }
    }
  }
}

async function startWithCleanup(ctx: RuntimeContext, id: string): Promise<void> {
  try {
    await startContainer(ctx, id);
  } catch (err) {
    await deleteContainer(ctx, id, { force: true }).catch(() => {});
    throw err;
  }
}
