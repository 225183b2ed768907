// The command line's vocabulary: runc's global flags and the commands, each with the
// module that defines it, loaded only when the command is named.
import type { Options } from 'yargs';
import type { Command } from './command.js';
import * as lifecycleCommands from './commands/lifecycle.js';

export const GLOBAL_OPTIONS: Record<string, Options> = {
  debug: { type: 'boolean', describe: 'enable debug logging' },
  log: { type: 'string', requiresArg: true, describe: "set the log file to write ocirt logs to (default is '/dev/stderr')" },
  'log-format': { type: 'string', requiresArg: true, describe: "set the log format ('text' (default), or 'json')" },
  root: { type: 'string', requiresArg: true, describe: 'root directory for storage of container state (this should be located in tmpfs)' },
  'systemd-cgroup': { type: 'boolean', describe: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"' },
  rootless: { type: 'string', requiresArg: true, describe: "ignore cgroup permission errors ('true', 'false', or 'auto')" },
  criu: { type: 'string', requiresArg: true, hidden: true },
};

// The lifecycle commands, which engines call for every container, come with the CLI:
// in the compiled binary a dynamic import costs a chunk load and a turn of the event
// loop. Each loads its operation's code only when it runs.
const lifecycle = async () => lifecycleCommands;
const info = () => import('./commands/info.js');
const processes = () => import('./commands/processes.js');

/** Every command by name, in the order the help lists them, with its loader. */
const LOADERS: Record<string, () => Promise<Command>> = {
  create: async () => (await lifecycle()).create,
  start: async () => (await lifecycle()).start,
  run: async () => (await lifecycle()).run,
  state: async () => (await lifecycle()).state,
  kill: async () => (await lifecycle()).kill,
  delete: async () => (await lifecycle()).del,
  exec: async () => (await import('./commands/exec.js')).exec,
  list: async () => (await info()).list,
  spec: async () => (await info()).spec,
  features: async () => (await info()).features,
  pause: async () => (await processes()).pause,
  resume: async () => (await processes()).resume,
  ps: async () => (await processes()).ps,
  events: async () => (await import('./commands/events.js')).events,
  update: async () => (await import('./commands/update.js')).update,
  checkpoint: async () => (await import('./commands/checkpoint.js')).checkpoint,
  restore: async () => (await import('./commands/checkpoint.js')).restore,
};

export const COMMAND_NAMES: readonly string[] = Object.keys(LOADERS);

/** The named command, or undefined when there is none of that name. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]!() : undefined;
}

export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((name) => LOADERS[name]!()));
}
