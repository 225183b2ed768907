// The full command line parser: yargs, with runc's help, version and usage errors.
// It takes every form the command line allows, and is what answers a command line
// the plain parser (plain-args.ts) leaves to it.
import yargs, { type Options } from 'yargs';
import { Logger, type LogFormat } from '../log.js';
import { errorMessage } from '../errors.js';
import { normalizeArgv } from './argv.js';
import { checkArgCount, helpText, type Command, type Invocation, type ParsedArgs } from './command.js';
import { GLOBAL_OPTIONS, loadAllCommands } from './command-table.js';
import { writeStdout } from './output.js';
import { printVersion, mainHelp } from './version.js';

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

function valueFlags(commands: Command[]): Set<string> {
  const names = new Set<string>();
  const add = (opts: Record<string, Options>) => {
    for (const [name, o] of Object.entries(opts)) {
      if (o.type === 'boolean') continue;
      names.add(name);
      for (const a of ([] as string[]).concat(o.alias ?? [])) names.add(a);
    }
  };
  add(GLOBAL_OPTIONS);
  for (const c of commands) add(c.options);
  return names;
}

/** The logger the global flags ask for; a bad --log-format is a usage error. */
function loggerFor(globals: ParsedArgs): Logger {
  const format = (globals['log-format'] as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`invalid log-format: ${format}`);
  return new Logger({ path: globals.log as string | undefined, format: format as LogFormat, debug: !!globals.debug });
}

/**
 * Parses a command line with yargs. Returns the invocation, or the exit status once
 * help, the version or a usage error has been printed.
 */
export async function parseWithYargs(argv: string[]): Promise<Invocation | number> {
  const commands = await loadAllCommands();
  const vf = valueFlags(commands);
  const args = normalizeArgv(argv, vf);
  // Global flags are those before the first positional (the command).
  let split = 0;
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
    log = loggerFor(globals);
  } catch (err) {
    if (err instanceof UsageError) writeStdout(`Incorrect Usage. ${err.message}\n\n${mainHelp()}`);
    log.fatal(errorMessage(err));
    return 1;
  }
  try {
    if (wantsVersion) {
      printVersion();
      return 0;
    }
    const name = args[split];
    const command = commands.find((c) => c.name === name);
    if (!name || wantsHelp) {
      writeStdout(mainHelp());
      return 0;
    }
    if (!command) {
      log.fatal(`No help topic for '${name}'`);
      return 3;
    }
    const cmdArgs = args.slice(split + 1);
    const end = cmdArgs.indexOf('--');
    if ((end < 0 ? cmdArgs : cmdArgs.slice(0, end)).some((a) => HELP_FLAGS.has(a))) {
      writeStdout(helpText(command));
      return 0;
    }
    let flags: ParsedArgs;
    try {
      flags = parse(cmdArgs, command.options);
    } catch (err) {
      writeStdout(`Incorrect Usage: ${errorMessage(err)}\n\n${helpText(command)}`);
      log.fatal(errorMessage(err));
      return 1;
    }
    const positionals = flags._.map(String);
    const countError = checkArgCount(command, positionals.length);
    if (countError) {
      writeStdout(`Incorrect Usage.\n\n${helpText(command)}`);
      log.fatal(countError);
      return 1;
    }
    return { globals, command, flags, positionals };
  } finally {
    log.close();
  }
}
