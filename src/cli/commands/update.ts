// update: change a running container's resource limits (runc's flags; --resources takes a LinuxResources JSON).
import { existsSync, readFileSync } from 'node:fs';
import type { Options } from 'yargs';
import type { Command, ParsedArgs } from '../command.js';
import { RuntimeError } from '../../errors.js';
import type { LinuxResources } from '../../generated/config.js';

const RESOURCES_HELP = `path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.`;

const str = (describe: string, extra: Partial<Options> = {}): Options => ({ type: 'string', requiresArg: true, describe, ...extra });

const OPTIONS: Record<string, Options> = {
  resources: str(RESOURCES_HELP, { alias: 'r' }),
  'blkio-weight': str('Specifies per cgroup weight, range is from 10 to 1000 (default: 0)'),
  'cpu-period': str('CPU CFS period to be used for hardcapping (in usecs). 0 to use system default'),
  'cpu-quota': str('CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period'),
  'cpu-burst': str('CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period'),
  'cpu-share': str('CPU shares (relative weight vs. other containers)'),
  'cpu-rt-period': str('CPU realtime period to be used for hardcapping (in usecs). 0 to use system default'),
  'cpu-rt-runtime': str('CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period'),
  'cpuset-cpus': str('CPU(s) to use'),
  'cpuset-mems': str('Memory node(s) to use'),
  'kernel-memory': str('(obsoleted; do not use)', { hidden: true }),
  'kernel-memory-tcp': str('(obsoleted; do not use)', { hidden: true }),
  memory: str('Memory limit (in bytes)'),
  'memory-reservation': str('Memory reservation or soft_limit (in bytes)'),
  'memory-swap': str("Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
  'pids-limit': str('Maximum number of pids allowed in the container (default: 0)'),
  'l3-cache-schema': str('The string of Intel RDT/CAT L3 cache schema'),
  'mem-bw-schema': str('The string of Intel RDT/MBA memory bandwidth schema'),
};

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** A size as runc (docker/go-units RAMInBytes) reads it: `1g`, `512m`, `1.5GiB`, `100 kb`; binary units. */
export function parseRamSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const bytes = Math.trunc(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
  // Beyond 2^53 a double is not the size asked for, and would be written rounded.
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size: '${text}' is more than 9007199254740991 bytes`);
  return bytes;
}

function parseInteger(flag: string, text: string, unsigned: boolean): number {
  if (!(unsigned ? /^\d+$/ : /^[+-]?\d+$/).test(text) || !Number.isSafeInteger(Number(text))) {
    throw new RuntimeError(`invalid value for ${flag}: ${JSON.stringify(text)} is not ${unsigned ? 'an unsigned' : 'an'} integer`);
  }
  return Number(text);
}

/** The LinuxResources request the flags describe: only the fields whose flags were given. */
export function resourcesFromFlags(flags: ParsedArgs): LinuxResources {
  const given = (name: string): string | undefined => {
    const v = flags[name];
    return v === undefined ? undefined : String(v);
  };
  const r: LinuxResources = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  let v: string | undefined;
  if ((v = given('blkio-weight')) !== undefined && v !== '0') r.blockIO = { weight: parseInteger('blkio-weight', v, true) };
  if ((v = given('cpuset-cpus')) !== undefined && v !== '') cpu.cpus = v;
  if ((v = given('cpuset-mems')) !== undefined && v !== '') cpu.mems = v;
  for (const [flag, field] of [['cpu-period', 'period'], ['cpu-rt-period', 'realtimePeriod'], ['cpu-share', 'shares'], ['cpu-burst', 'burst']] as const) {
    if ((v = given(flag)) !== undefined && v !== '') cpu[field] = parseInteger(flag, v, true);
  }
  for (const [flag, field] of [['cpu-quota', 'quota'], ['cpu-rt-runtime', 'realtimeRuntime']] as const) {
    if ((v = given(flag)) !== undefined && v !== '') cpu[field] = parseInteger(flag, v, false);
  }
  const sizes = [
    ['memory', 'limit'], ['memory-swap', 'swap'], ['kernel-memory', 'kernel'], ['kernel-memory-tcp', 'kernelTCP'], ['memory-reservation', 'reservation'],
  ] as const;
  for (const [flag, field] of sizes) {
    if ((v = given(flag)) === undefined || v === '') continue;
    try {
      memory[field] = v === '-1' ? -1 : parseRamSize(v);
    } catch (err) {
      throw new RuntimeError(`invalid value for ${flag}: ${(err as Error).message}`);
    }
  }
  if ((v = given('pids-limit')) !== undefined) {
    if (!/^[+-]?\d+$/.test(v)) throw new RuntimeError(`invalid value ${JSON.stringify(v)} for flag -pids-limit: parse error`);
    if (Number(v) !== 0) r.pids = { limit: Number(v) };
  }
  if (Object.keys(memory).length) r.memory = memory;
  if (Object.keys(cpu).length) r.cpu = cpu;
  return r;
}

/** Intel RDT is not implemented; say so in runc's words when the host does not have it either. */
function checkIntelRdt(flags: ParsedArgs): void {
  const l3 = flags['l3-cache-schema'];
  const mb = flags['mem-bw-schema'];
  if (l3 !== undefined && l3 !== '' && !existsSync('/sys/fs/resctrl/info/L3')) {
    throw new RuntimeError('Intel RDT/CAT: l3 cache schema is not enabled');
  }
  if (mb !== undefined && mb !== '' && !existsSync('/sys/fs/resctrl/info/MB')) {
    throw new RuntimeError('Intel RDT/MBA: memory bandwidth schema is not enabled');
  }
  if ((l3 !== undefined && l3 !== '') || (mb !== undefined && mb !== '')) {
    throw new RuntimeError('Intel RDT: updating l3-cache-schema or mem-bw-schema is not supported by ocirt');
  }
}

/** Read and check a --resources document (`-` is standard input). */
export async function readResourcesFile(source: string): Promise<LinuxResources> {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new RuntimeError(`read ${source === '-' ? 'standard input' : source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Our JSON reader: nesting limit, and integers beyond 2^53 refused rather than rounded (2^63 for a
  // memory limit would otherwise be written as 9223372036854776000).
  const { readJson } = await import('../../config/json-reader.js');
  const doc = readJson(text, { document: 'resources JSON' });
  const { checkLinuxResources } = await import('../../config/validate.js');
  const { ConfigError } = await import('../../config/errors.js');
  const issues = checkLinuxResources(doc);
  if (issues.length > 0) throw ConfigError.invalid('resources', issues);
  return doc as LinuxResources;
}

export const update: Command = {
  name: 'update',
  summary: 'update container resource constraints',
  usage: '[command options] <container-id>',
  options: OPTIONS,
  args: { exact: 1 },
  async run(ctx, [id], flags) {
    const source = flags.resources as string | undefined;
    let request: LinuxResources;
    if (source !== undefined && source !== '') {
      request = await readResourcesFile(source);
    } else {
      request = resourcesFromFlags(flags);
      checkIntelRdt(flags);
      const { checkLinuxResources } = await import('../../config/validate.js');
      const { formatIssues } = await import('../../config/errors.js');
      const issues = checkLinuxResources(request);
      if (issues.length > 0) throw new RuntimeError(`invalid update: ${formatIssues(issues)}`);
    }
    const { updateContainer } = await import('../../runtime/operations/update.js');
    await updateContainer(ctx, id!, request);
    return 0;
  },
};
