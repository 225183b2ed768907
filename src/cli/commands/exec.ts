// exec: run a new process inside a running container (runc's flags and messages;
// every failure exits 255, as runc's does).
import { resolve } from 'node:path';
import type { Options } from 'yargs';
import type { Command, ParsedArgs } from '../command.js';
import type { ExecOptions } from '../../runtime/operations/exec.js';
import { RuntimeError, withContext } from '../../errors.js';

// Repeatable flags take one value per occurrence.
const repeatable = (alias: string, describe: string): Options => ({ type: 'array', string: true, nargs: 1, alias, requiresArg: true, describe });

const execOptions: Record<string, Options> = {
  'console-socket': { type: 'string', requiresArg: true, describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  'pidfd-socket': { type: 'string', requiresArg: true, hidden: true },
  cwd: { type: 'string', requiresArg: true, describe: 'current working directory in the container' },
  env: repeatable('e', 'set environment variables'),
  tty: { type: 'boolean', alias: 't', describe: 'allocate a pseudo-TTY' },
  user: { type: 'string', alias: 'u', requiresArg: true, describe: 'UID (format: <uid>[:<gid>])' },
  'additional-gids': repeatable('g', 'additional gids'),
  process: { type: 'string', alias: 'p', requiresArg: true, describe: 'path to the process.json' },
  detach: { type: 'boolean', alias: 'd', describe: 'detach from the container\'s process' },
  'pid-file': { type: 'string', requiresArg: true, describe: 'specify the file to write the process id to' },
  'process-label': { type: 'string', requiresArg: true, describe: 'set the asm process label for the process commonly used with selinux' },
  apparmor: { type: 'string', requiresArg: true, describe: 'set the apparmor profile for the process' },
  'no-new-privs': { type: 'boolean', describe: 'set the no new privileges value for the process' },
  cap: repeatable('c', 'add a capability to the bounding set for the process'),
  'preserve-fds': { type: 'number', requiresArg: true, describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' },
  'ignore-paused': { type: 'boolean', describe: 'allow exec in a paused container' },
};

/**
 * Every value of a repeatable flag. yargs keeps all occurrences (of the long and the
 * short form together) under the alias, while the long name may hold only the last.
 */
export function repeatedValues(flags: ParsedArgs, name: string, alias: string): string[] {
  const pick = (v: unknown): string[] => (v === undefined ? [] : ([] as unknown[]).concat(v).map(String));
  const long = pick(flags[name]);
  const short = pick(flags[alias]);
  return short.length > long.length ? short : long;
}

/** The exec options the flags and arguments ask for. */
export async function execFlags(args: string[], flags: ParsedArgs): Promise<ExecOptions> {
  // Loaded here, as every command's code is, so other commands do not pay for it.
  const { parseAdditionalGids, parseUserFlag, readProcessFile } = await import('../../runtime/operations/exec-process.js');
  const preserve = flags['preserve-fds'];
  if (preserve !== undefined && (!Number.isInteger(preserve) || (preserve as number) < 0)) {
    throw new RuntimeError(`invalid value for --preserve-fds: ${String(preserve)}`);
  }
  if (flags['pidfd-socket'] !== undefined) throw new RuntimeError('--pidfd-socket is not supported yet');
  const opts: ExecOptions = {
    consoleSocket: flags['console-socket'] as string | undefined,
    pidFile: flags['pid-file'] !== undefined ? resolve(String(flags['pid-file'])) : undefined,
    detach: !!flags.detach,
    preserveFds: (preserve as number | undefined) ?? 0,
    ignorePaused: !!flags['ignore-paused'],
  };
  if (flags.process !== undefined) {
    opts.process = readProcessFile(resolve(String(flags.process)));
    return opts;
  }
  opts.args = args;
  if (flags.cwd) opts.cwd = String(flags.cwd);
  opts.env = repeatedValues(flags, 'env', 'e');
  opts.tty = !!flags.tty;
  if (flags.user) opts.user = parseUserFlag(String(flags.user));
  opts.additionalGids = parseAdditionalGids(repeatedValues(flags, 'additional-gids', 'g'));
  opts.caps = repeatedValues(flags, 'cap', 'c');
  if (flags['no-new-privs'] !== undefined) opts.noNewPrivileges = !!flags['no-new-privs'];
  if (flags.apparmor) opts.apparmorProfile = String(flags.apparmor);
  if (flags['process-label']) opts.selinuxLabel = String(flags['process-label']);
  return opts;
}

export const exec: Command = {
  name: 'exec',
  startsInit: true,
  summary: 'execute new process inside the container',
  usage: '[command options] <container-id> <command> [command options]  || -p process.json <container-id>',
  options: execOptions,
  args: { min: 1 },
  failureStatus: 255,
  async run(ctx, [id, ...args], flags) {
    try {
      const options = await execFlags(args, flags);
      const { execProcess } = await import('../../runtime/operations/exec.js');
      const result = await execProcess(ctx, id!, options);
      return result.status ?? 0;
    } catch (err) {
      throw withContext('exec failed', err);
    }
  },
};
