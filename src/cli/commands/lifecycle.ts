// create, start, run, state, kill, delete: the OCI lifecycle commands. Each loads its
// implementation when it runs, so a command pays only for the code it uses; but for
// `state`'s, small and needed by every command's container status, which is loaded
// with the CLI.
import { resolve } from 'node:path';
import type { Options } from 'yargs';
import { writeStdout } from '../output.js';
import type { Command } from '../command.js';
import { RuntimeError, NotFoundError } from '../../errors.js';
import { containerState } from '../../runtime/operations/state.js';

const createOptions: Record<string, Options> = {
  bundle: { type: 'string', alias: 'b', requiresArg: true, describe: 'path to the root of the bundle directory, defaults to the current directory' },
  'console-socket': { type: 'string', requiresArg: true, describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  'pid-file': { type: 'string', requiresArg: true, describe: 'specify the file to write the process id to' },
  'no-pivot': { type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs' },
  'no-new-keyring': { type: 'boolean', describe: 'do not create a new session keyring for the container' },
  'preserve-fds': { type: 'number', requiresArg: true, describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' },
  'pidfd-socket': { type: 'string', requiresArg: true, hidden: true },
};

function createFlags(flags: Record<string, unknown>) {
  const preserve = flags['preserve-fds'];
  if (preserve !== undefined && (!Number.isInteger(preserve) || (preserve as number) < 0)) {
    throw new RuntimeError(`invalid value for --preserve-fds: ${String(preserve)}`);
  }
  return {
    bundle: flags.bundle !== undefined ? resolve(String(flags.bundle)) : process.cwd(),
    consoleSocket: flags['console-socket'] as string | undefined,
    pidFile: flags['pid-file'] !== undefined ? resolve(String(flags['pid-file'])) : undefined,
    noPivot: !!flags['no-pivot'],
    noNewKeyring: !!flags['no-new-keyring'],
    preserveFds: (preserve as number | undefined) ?? 0,
  };
}

export const create: Command = {
  name: 'create',
  startsInit: true,
  summary: 'create a container',
  usage: '[command options] <container-id>',
  options: createOptions,
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    const { createContainer } = await import('../../runtime/operations/create.js');
    await createContainer(ctx, id!, createFlags(flags));
    return 0;
  },
};

export const start: Command = {
  name: 'start',
  summary: 'executes the user defined process in a created container',
  usage: '<container-id>',
  options: {},
  args: { exact: 1 },
  async run(ctx, [id]) {
    const { startContainer } = await import('../../runtime/operations/start.js');
    await startContainer(ctx, id!);
    return 0;
  },
};

export const run: Command = {
  name: 'run',
  startsInit: true,
  summary: 'create and run a container',
  usage: '[command options] <container-id>',
  options: {
    ...createOptions,
    detach: { type: 'boolean', alias: 'd', describe: "detach from the container's process" },
    keep: { type: 'boolean', describe: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', describe: 'disable the use of the subreaper used to reap reparented processes' },
  },
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    const { runContainer } = await import('../../runtime/operations/run.js');
    return runContainer(ctx, id!, {
      ...createFlags(flags),
      detach: !!flags.detach,
      keep: !!flags.keep,
      noSubreaper: !!flags['no-subreaper'],
    });
  },
};

export const state: Command = {
  name: 'state',
  summary: 'output the state of a container',
  usage: '<container-id>',
  options: {},
  args: { exact: 1 },
  async run(ctx, [id]) {
    const s = await containerState(ctx, id!);
    // runc prints it indented by two spaces, without a trailing newline.
    writeStdout(JSON.stringify(s, null, 2));
    return 0;
  },
};

export const kill: Command = {
  name: 'kill',
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  usage: '[command options] <container-id> [signal]',
  options: { all: { type: 'boolean', alias: 'a', describe: 'send the specified signal to all processes inside the container' } },
  args: { min: 1, max: 2 },
  async run(ctx, [id, sig], flags) {
    // Like runc: an unknown container is reported before a bad signal.
    if (!ctx.store.exists(id!)) throw new NotFoundError();
    const { parseSignal } = await import('../../linux/signals.js');
    const signal = parseSignal(sig ?? 'SIGTERM');
    const { killContainer } = await import('../../runtime/operations/kill.js');
    await killContainer(ctx, id!, signal, { all: !!flags.all });
    return 0;
  },
};

export const del: Command = {
  name: 'delete',
  summary: 'delete any resources held by the container often used with detached container',
  usage: '[command options] <container-id>',
  options: { force: { type: 'boolean', alias: 'f', describe: 'Forcibly deletes the container if it is still running (uses SIGKILL)' } },
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    // Nothing to delete (an engine's shim deletes twice): answered before the delete code is loaded.
    if (!ctx.store.exists(id!)) {
      if (flags.force) return 0;
      throw new NotFoundError();
    }
    const { deleteContainer } = await import('../../runtime/operations/delete.js');
    await deleteContainer(ctx, id!, { force: !!flags.force });
    return 0;
  },
};
