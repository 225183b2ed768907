// The ocirt command line: runc's global flags, then one command with its own flags.
// Errors are logged the way runc logs them (text or JSON to --log or stderr) and
// the process exits 1 (255 for exec).
import yargs, { type Options } from 'yargs';
import { makeContext } from '../runtime/shared/context.js';
import { Logger, type LogFormat } from '../log.js';
import { errorMessage } from '../errors.js';
import { normalizeArgv } from './argv.js';
import { checkArgCount, helpText, type Command, type ParsedArgs } from './command.js';
import { create, start, run, state, kill, del } from './commands/lifecycle.js';
import { list, spec, features } from './commands/info.js';
import { exec } from './commands/exec.js';
import { pause, resume, ps } from './commands/processes.js';
import { events } from './commands/events.js';
import { update } from './commands/update.js';
import { checkpoint, restore } from './commands/checkpoint.js';
import { printVersion, mainHelp } from './version.js';
import { markInheritedFdsCloseOnExec } from '../runtime/launch/inherited-fds.js';

const COMMANDS: Command[] = [create, start, run, state, kill, del, exec, list, spec, features, pause, resume, ps, events, update, checkpoint, restore];

const GLOBAL_OPTIONS: Record<string, Options> = {
  debug: { type: 'boolean', describe: 'enable debug logging' },
  log: { type: 'string', requiresArg: true, describe: "set the log file to write ocirt logs to (default is '/dev/stderr')" },
  'log-format': { type: 'string', requiresArg: true, describe: "set the log format ('text' (default), or 'json')" },
  root: { type: 'string', requiresArg: true, describe: 'root directory for storage of container state (this should be located in tmpfs)' },
  'systemd-cgroup': { type: 'boolean', describe: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"' },
  rootless: { type: 'string', requiresArg: true, describe: "ignore cgroup permission errors ('true', 'false', or 'auto')" },
  criu: { type: 'string', requiresArg: true, hidden: true },
};

const VERSION_FLAGS = new Set(['--version', '-v', '--version=true']);
// yargs reserves "help" too; we look for it ourselves.
const HELP_FLAGS = new Set(['--help', '-h', '--help=true']);

class UsageError extends Error {}

function translateYargsError(msg: string): string {
  let m = /^Unknown arguments?: ([^,\s]+)/.exec(msg);
  if (m) return `flag provided but not defined: -${m[1]}`;
  m = /^Not enough arguments following: (\S+)/.exec(msg);
  if (m) return `flag needs an argument: -${m[1]}`;
  return msg;
}

function parse(args: string[], options: Record<string, Options>): ParsedArgs {
  return yargs(args)
    .options(options)
    .parserConfiguration({
      'boolean-negation': false,
      'camel-case-expansion': false,
      'short-option-groups': false,
      'dot-notation': false,
      'duplicate-arguments-array': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'halt-at-non-option': false,
    })
    .strictOptions()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw new UsageError(translateYargsError(msg ?? err?.message ?? 'invalid arguments'));
    })
    .parseSync() as ParsedArgs;
}

function valueFlags(): Set<string> {
  const names = new Set<string>();
  const add = (opts: Record<string, Options>) => {
    for (const [name, o] of Object.entries(opts)) {
      if (o.type === 'boolean') continue;
      names.add(name);
      for (const a of ([] as string[]).concat(o.alias ?? [])) names.add(a);
    }
  };
  add(GLOBAL_OPTIONS);
  for (const c of COMMANDS) add(c.options);
  return names;
}

function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && process.geteuid && process.geteuid() !== 0) return `${xdg}/ocirt`;
  return '/run/ocirt';
}

export async function main(argv: string[]): Promise<number> {
  const args = normalizeArgv(argv, valueFlags());
  // Global flags are those before the first positional (the command).
  let split = 0;
  const vf = valueFlags();
  while (split < args.length && args[split]!.startsWith('-') && args[split] !== '--') {
    const name = args[split]!.replace(/^-+/, '').split('=')[0]!;
    split += !args[split]!.includes('=') && vf.has(name) && GLOBAL_OPTIONS[name]?.type !== 'boolean' ? 2 : 1;
  }
  let log = new Logger();
  let globals: ParsedArgs;
  // --version/-v is handled here: yargs reserves the name "version".
  const globalArgs = args.slice(0, split);
  const wantsVersion = globalArgs.some((a) => VERSION_FLAGS.has(a));
  const wantsHelp = globalArgs.some((a) => HELP_FLAGS.has(a));
  try {
    globals = parse(globalArgs.filter((a) => !VERSION_FLAGS.has(a) && !HELP_FLAGS.has(a)), GLOBAL_OPTIONS);
    const format = (globals['log-format'] as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`invalid log-format: ${format}`);
    log = new Logger({ path: globals.log as string | undefined, format: format as LogFormat, debug: !!globals.debug });
  } catch (err) {
    if (err instanceof UsageError) process.stdout.write(`Incorrect Usage. ${err.message}\n\n${mainHelp()}`);
    log.fatal(errorMessage(err));
    return 1;
  }
  if (wantsVersion) {
    printVersion();
    return 0;
  }
  const name = args[split];
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!name || wantsHelp) {
    process.stdout.write(mainHelp());
    return 0;
  }
  if (!cmd) {
    log.fatal(`No help topic for '${name}'`);
    return 3;
  }
  const cmdArgs = args.slice(split + 1);
  const end = cmdArgs.indexOf('--');
  if ((end < 0 ? cmdArgs : cmdArgs.slice(0, end)).some((a) => HELP_FLAGS.has(a))) {
    process.stdout.write(helpText(cmd));
    return 0;
  }
  let flags: ParsedArgs;
  try {
    flags = parse(cmdArgs, cmd.options);
  } catch (err) {
    process.stdout.write(`Incorrect Usage: ${errorMessage(err)}\n\n${helpText(cmd)}`);
    log.fatal(errorMessage(err));
    return 1;
  }
  const positionals = flags._.map(String);
  const countError = checkArgCount(cmd, positionals.length);
  if (countError) {
    process.stdout.write(`Incorrect Usage.\n\n${helpText(cmd)}`);
    log.fatal(countError);
    return 1;
  }
  // No fd of our caller's reaches anything we start, hooks included (the preserved
  // ones are handed over by name). Commands that start nothing need no syscall here.
  if (cmd.startsProcesses) markInheritedFdsCloseOnExec();
  const ctx = makeContext({
    root: (globals.root as string | undefined) ?? defaultRoot(),
    logger: log,
    systemdCgroup: !!globals['systemd-cgroup'],
    rootless: globals.rootless === 'true',
    debug: !!globals.debug,
  });
  try {
    return await cmd.run(ctx, positionals, flags);
  } catch (err) {
    const msg = errorMessage(err);
    log.fatal(cmd.name === 'create' || cmd.name === 'run' ? `ocirt ${cmd.name} failed: ${msg}` : msg);
    return cmd.failureStatus ?? 1;
  } finally {
    log.close();
  }
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err) => {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(1);
  },
);
