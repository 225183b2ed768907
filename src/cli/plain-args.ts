// The command line as engines write it, parsed without yargs (which costs the hot
// commands milliseconds to load and run): global flags, the command, its string and
// boolean flags and its arguments. Anything else (help, version, unknown flags,
// missing values, flags of other types, a wrong argument count) is left to yargs
// (yargs-parse.ts), so that help and usage errors read exactly as they always have.
// The result is the one yargs gives for the same command line.
import type { Options } from 'yargs';
import { checkArgCount, type Invocation, type ParsedArgs } from './command.js';
import { GLOBAL_OPTIONS, loadCommand } from './command-table.js';
import { STOP_AT_FIRST_POSITIONAL } from './argv.js';

/** Go's flag package takes one dash for long flags too (normalizeArgv's rule). */
const SINGLE_DASH_LONG = /^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/;

/** Flag names (and aliases) to their canonical name and definition. */
type FlagTable = Map<string, [string, Options]>;

function flagTable(options: Record<string, Options>): FlagTable {
  const table: FlagTable = new Map();
  for (const [name, o] of Object.entries(options)) {
    table.set(name, [name, o]);
    for (const a of ([] as string[]).concat(o.alias ?? [])) table.set(a, [name, o]);
  }
  return table;
}

function set(out: ParsedArgs, name: string, o: Options, value: unknown): void {
  out[name] = value;
  for (const a of ([] as string[]).concat(o.alias ?? [])) out[a] = value;
}

/**
 * Parses flags and arguments against `options` as yargs would; undefined when any of
 * them is a form left to yargs. With `stopAtCommand`, parsing ends at the first
 * argument, whose index is returned with the flags.
 */
function parseFlags(args: string[], options: Record<string, Options>, stopAtCommand: boolean, stopAtFirstArgument: boolean):
  { flags: ParsedArgs; next: number } | undefined {
  const table = flagTable(options);
  const flags: ParsedArgs = { _: [] };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (stopAtCommand) return undefined;
      flags._.push(...args.slice(i + 1));
      i = args.length;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtCommand) break;
      flags._.push(arg);
      if (stopAtFirstArgument) {
        flags._.push(...args.slice(i + 1));
        i = args.length;
        break;
      }
      continue;
    }
    let body: string;
    if (arg.startsWith('--')) body = arg.slice(2);
    else if (SINGLE_DASH_LONG.test(arg)) body = arg.slice(1);
    else if (arg.length === 2) body = arg.slice(1);
    else return undefined;
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const entry = table.get(name);
    if (!entry) return undefined;
    const [canonical, o] = entry;
    // A one-letter flag takes its value as the next argument only.
    if (eq >= 0 && name.length === 1) return undefined;
    if (o.type === 'boolean') {
      // yargs takes a following "true" or "false" as the flag's value; among the
      // global flags it is the command.
      const following = stopAtCommand ? undefined : args[i + 1];
      const value = eq >= 0 ? body.slice(eq + 1) : following === 'true' || following === 'false' ? args[++i]! : 'true';
      if (value !== 'true' && value !== 'false') return undefined;
      set(flags, canonical, o, value === 'true');
    } else if (o.type === 'string' && !o.array && o.nargs === undefined) {
      const value = eq < 0 ? args[++i] : body.slice(eq + 1);
      if (value === undefined || value === '' || value.startsWith('-')) return undefined;
      set(flags, canonical, o, value);
    } else {
      return undefined;
    }
  }
  for (const [name, o] of Object.entries(options)) {
    if (o.default !== undefined && !(name in flags)) set(flags, name, o, o.default);
  }
  return { flags, next: i };
}

/**
 * The invocation a command line asks for, parsed as yargs would parse it; undefined
 * when the command line is one for yargs to answer.
 */
export async function parsePlainArgs(argv: string[]): Promise<Invocation | undefined> {
  const global = parseFlags(argv, GLOBAL_OPTIONS, true, false);
  if (!global || global.next >= argv.length) return undefined;
  const format = global.flags['log-format'];
  if (format !== undefined && format !== 'text' && format !== 'json') return undefined;
  const name = argv[global.next]!;
  const command = await loadCommand(name);
  if (!command) return undefined;
  const parsed = parseFlags(argv.slice(global.next + 1), command.options, false, STOP_AT_FIRST_POSITIONAL.has(name));
  if (!parsed) return undefined;
  const positionals = parsed.flags._.map(String);
  if (checkArgCount(command, positionals.length)) return undefined;
  return { globals: global.flags, command, flags: parsed.flags, positionals };
}
