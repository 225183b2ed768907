// checkpoint, restore: runc's flags, so that engines' probes and calls parse as with
// runc; the runtime refuses the operations themselves (src/runtime/operations/checkpoint.ts).
import { resolve } from 'node:path';
import type { Options } from 'yargs';
import type { Command } from '../command.js';

const shared: Record<string, Options> = {
  'image-path': { type: 'string', requiresArg: true, describe: 'path for saving criu image files' },
  'work-path': { type: 'string', requiresArg: true, describe: 'path for saving work files and logs' },
  'tcp-established': { type: 'boolean', describe: 'allow open tcp connections' },
  'ext-unix-sk': { type: 'boolean', describe: 'allow external unix sockets' },
  'shell-job': { type: 'boolean', describe: 'allow shell jobs' },
  'lazy-pages': { type: 'boolean', describe: 'use userfaultfd to lazily restore memory pages' },
  'file-locks': { type: 'boolean', describe: 'handle file locks, for safety' },
  'manage-cgroups-mode': { type: 'string', requiresArg: true, describe: "cgroups mode: 'soft' (default), 'full' and 'strict'" },
  'empty-ns': { type: 'string', array: true, requiresArg: true, describe: "create a namespace, but don't restore its properties" },
  'auto-dedup': { type: 'boolean', describe: 'enable auto deduplication of memory images' },
};

export const checkpoint: Command = {
  name: 'checkpoint',
  summary: 'checkpoint a running container',
  usage: '[command options] <container-id>',
  options: {
    ...shared,
    'parent-path': { type: 'string', requiresArg: true, describe: 'path for previous criu image files in pre-dump' },
    'leave-running': { type: 'boolean', describe: 'leave the process running after checkpointing' },
    'tcp-skip-in-flight': { type: 'boolean', describe: 'skip in-flight tcp connections' },
    'link-remap': { type: 'boolean', describe: 'allow one to link unlinked files back when possible' },
    'status-fd': { type: 'number', requiresArg: true, describe: 'criu writes \\0 to this FD once lazy-pages is ready' },
    'page-server': { type: 'string', requiresArg: true, describe: 'ADDRESS:PORT of the page server' },
    'pre-dump': { type: 'boolean', describe: 'dump container\'s memory information only, leave the container running after this' },
  },
  args: { exact: 1 },
  async run(ctx, [id]) {
    const { checkpointContainer } = await import('../../runtime/operations/checkpoint.js');
    await checkpointContainer(ctx, id!);
    return 0;
  },
};

export const restore: Command = {
  name: 'restore',
  summary: 'restore a container from a previous checkpoint',
  usage: '[command options] <container-id>',
  options: {
    'console-socket': { type: 'string', requiresArg: true, describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    ...shared,
    bundle: { type: 'string', alias: 'b', requiresArg: true, describe: 'path to the root of the bundle directory' },
    detach: { type: 'boolean', alias: 'd', describe: "detach from the container's process" },
    'pid-file': { type: 'string', requiresArg: true, describe: 'specify the file to write the process id to' },
    'no-subreaper': { type: 'boolean', describe: 'disable the use of the subreaper used to reap reparented processes' },
    'no-pivot': { type: 'boolean', describe: 'do not use pivot root to jail process inside rootfs' },
    'lsm-profile': { type: 'string', requiresArg: true, describe: 'Specify an LSM profile to be used during restore in the form of TYPE:NAME.' },
    'lsm-mount-context': { type: 'string', requiresArg: true, describe: 'Specify an LSM mount context to be used during restore.' },
  },
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    const { restoreContainer } = await import('../../runtime/operations/checkpoint.js');
    await restoreContainer(ctx, id!, flags.bundle !== undefined ? resolve(String(flags.bundle)) : process.cwd());
    return 0;
  },
};
