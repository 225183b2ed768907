// The ocirt command line: runc's global flags, then one command with its own flags.
// Command lines as engines write them are parsed plainly (plain-args.ts); every other
// one, help and usage errors included, by yargs (yargs-parse.ts). Errors are logged
// the way runc logs them (text or JSON to --log or stderr) and the process exits 1
// (255 for exec).
import { makeContext } from '../runtime/shared/context.js';
import { Logger, type LogFormat } from '../log.js';
import { errorMessage } from '../errors.js';
import { parsePlainArgs } from './plain-args.js';
import { mark, writeMarks } from '../phase-marks.js';
import { defaultStateRoot, resolveRootless } from '../runtime/shared/rootless.js';

mark('cli-loaded');

export async function main(argv: string[]): Promise<number> {
  const parsed = (await parsePlainArgs(argv)) ?? (await (await import('./yargs-parse.js')).parseWithYargs(argv));
  if (typeof parsed === 'number') return parsed;
  mark('parsed');
  const { globals, command: cmd, flags, positionals } = parsed;
  let log: Logger;
  try {
    log = new Logger({ path: globals.log as string | undefined, format: (globals['log-format'] as LogFormat | undefined) ?? 'text', debug: !!globals.debug });
  } catch (err) {
    new Logger().fatal(errorMessage(err));
    return 1;
  }
  if (cmd.startsInit) {
    // Loaded here, not with the CLI: only the commands that start an init use them.
    const [{ startEngineThreads }, { warmUpCgroupMigration }, { keepOwnCgroupLayout }] = await Promise.all([
      import('../engine-threads.js'), import('../cgroups/migration-warmup.js'), import('../cgroups/layout.js'),
    ]);
    startEngineThreads();
    keepOwnCgroupLayout();
    // The init's cgroup move waits for the kernel unless one was made just before: start that wait now.
    warmUpCgroupMigration();
  }
  try {
    const ctx = makeContext({
      root: (globals.root as string | undefined) ?? defaultStateRoot(),
      logger: log,
      systemdCgroup: !!globals['systemd-cgroup'],
      rootless: resolveRootless(globals.rootless as string | undefined, !!globals['systemd-cgroup']),
      debug: !!globals.debug,
    });
    mark('context');
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
  (status) => {
    mark('work');
    writeMarks();
    process.exit(status);
  },
  (err) => {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(1);
  },
);
