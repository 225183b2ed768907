// list, spec, features: commands that describe rather than change containers.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeStdout } from '../output.js';
import type { Command } from '../command.js';
import { RuntimeError, fromNodeError } from '../../errors.js';

export const list: Command = {
  name: 'list',
  summary: 'lists containers started by ocirt with the given root',
  usage: '[command options]',
  options: {
    format: { type: 'string', alias: 'f', requiresArg: true, default: 'table', describe: 'select one of: table or json' },
    quiet: { type: 'boolean', alias: 'q', describe: 'display only container IDs' },
  },
  args: { exact: 0 },
  async run(ctx, _args, flags) {
    const { listContainers } = await import('../../runtime/operations/state.js');
    const format = String(flags.format);
    if (format !== 'table' && format !== 'json') throw new RuntimeError(`invalid format option`);
    const all = listContainers(ctx);
    if (flags.quiet) {
      for (const c of all) writeStdout(`${c.id}\n`);
      return 0;
    }
    if (format === 'json') {
      writeStdout(`${all.length ? JSON.stringify(all) : 'null'}\n`);
      return 0;
    }
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
      ...all.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.owner])];
    writeStdout(tabulate(rows));
    return 0;
  },
};

/** Go's tabwriter as runc sets it up: min width 12, padding 1, space-padded. */
export function tabulate(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 12, cell.length + 1); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}

export const spec: Command = {
  name: 'spec',
  summary: 'create a new specification file',
  usage: '[command options]',
  options: {
    bundle: { type: 'string', alias: 'b', requiresArg: true, describe: 'path to the root of the bundle directory' },
    rootless: { type: 'boolean', describe: 'generate a configuration for a rootless container' },
  },
  args: { exact: 0 },
  async run(_ctx, _args, flags) {
    const { exampleSpec } = await import('../../config/example-spec.js');
    const dir = flags.bundle !== undefined ? resolve(String(flags.bundle)) : process.cwd();
    const file = join(dir, 'config.json');
    if (existsSync(file)) throw new RuntimeError('File config.json exists. Remove it first');
    try {
      writeFileSync(file, JSON.stringify(exampleSpec({ rootless: !!flags.rootless }), null, '\t'), { mode: 0o666 });
    } catch (err) {
      throw fromNodeError(err, 'open', file);
    }
    return 0;
  },
};

export const features: Command = {
  name: 'features',
  summary: 'show the enabled features',
  usage: '',
  options: {},
  args: { exact: 0 },
  async run() {
    const { features: featuresDocument } = await import('../../runtime/operations/features.js');
    writeStdout(`${JSON.stringify(featuresDocument(), null, 4)}\n`);
    return 0;
  },
};
