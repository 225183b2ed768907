// The shape of one CLI command: its flags (yargs option definitions), how many
// positional arguments it takes, runc-style usage text, and what it does.
import type { Options } from 'yargs';
import type { RuntimeContext } from '../runtime/shared/context.js';

export interface ParsedArgs {
  [flag: string]: unknown;
  _: (string | number)[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, Options>;
  /** Exact, minimum and maximum positional argument counts (runc's checkArgs). */
  args: { exact?: number; min?: number; max?: number };
  /**
   * It starts an init in a PID namespace (create, run, exec): the engine's threads
   * are started first thing, while the heap is small (src/engine-threads.ts).
   */
  startsInit?: boolean;
  /** Exit status when the command fails (exec uses 255). */
  failureStatus?: number;
  /** Runs the command; returns the exit status. */
  run(ctx: RuntimeContext, args: string[], flags: ParsedArgs): Promise<number> | number;
}

/** A command line understood: the global flags, the command, its flags and arguments. */
export interface Invocation {
  globals: ParsedArgs;
  command: Command;
  flags: ParsedArgs;
  positionals: string[];
}

/** runc's checkArgs wording. */
export function checkArgCount(cmd: Command, n: number): string | undefined {
  const { exact, min, max } = cmd.args;
  if (exact !== undefined && n !== exact) return `ocirt: "${cmd.name}" requires exactly ${exact} argument(s)`;
  if (min !== undefined && n < min) return `ocirt: "${cmd.name}" requires a minimum of ${min} argument(s)`;
  if (max !== undefined && n > max) return `ocirt: "${cmd.name}" requires a maximum of ${max} argument(s)`;
  return undefined;
}

export function helpText(cmd: Command): string {
  const lines = [`NAME:\n   ocirt ${cmd.name} - ${cmd.summary}\n`, `USAGE:\n   ocirt ${cmd.name} ${cmd.usage}\n`];
  const opts = Object.entries(cmd.options).filter(([, o]) => !o.hidden);
  if (opts.length) {
    lines.push('OPTIONS:');
    for (const [name, o] of opts) {
      const aliases = ([] as string[]).concat(o.alias ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
      const value = o.type === 'boolean' ? '' : ' value';
      const flags = [`--${name}${value}`, ...aliases.map((a) => `${a}${value}`)].join(', ');
      lines.push(`   ${flags.padEnd(28)} ${o.describe ?? ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
