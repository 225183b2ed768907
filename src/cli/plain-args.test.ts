import t from 'tap';
import { isDeepStrictEqual } from 'node:util';
import { parsePlainArgs } from './plain-args.js';
import { parseWithYargs } from './yargs-parse.js';
import { COMMAND_NAMES, GLOBAL_OPTIONS, loadAllCommands } from './command-table.js';
import type { Options } from 'yargs';
import type { Invocation } from './command.js';

/** A small seeded generator, so that a failing list can be found again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = ['id1', 'c-2', 'KILL', '9', '-9', 'json', 'table', 'text', 'xml', 'true', 'false', '', '--', '-', 'a b', '/dev/null', '/run/x', '=x', '-ef', 'aux'];

/** The spellings of a flag runc's callers (and careless ones) use, each with or without a value. */
function spellings(name: string, value: string): string[] {
  const dashes = name.length === 1 ? [`-${name}`, `--${name}`] : [`--${name}`, `-${name}`];
  return dashes.flatMap((d) => [d, `${d}=${value}`, `${d} ${value}`]);
}

function flagsOf(options: Record<string, { alias?: string | readonly string[] }>): string[] {
  return Object.entries(options).flatMap(([name, o]) => [name, ...([] as string[]).concat(o.alias ?? [])]);
}

function strip(inv: Invocation): unknown {
  const { $0: _g, ...globals } = inv.globals;
  const { $0: _f, ...flags } = inv.flags;
  return { globals, command: inv.command.name, flags, positionals: inv.positionals };
}

t.test('10000 generated command lines: the plain parser gives what yargs gives, or leaves them to yargs', async (t) => {
  const commands = await loadAllCommands();
  const next = random(20260603);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const globalFlags = [...flagsOf(GLOBAL_OPTIONS), 'help', 'h', 'version', 'v', 'bogus'];
  const token = (flags: string[]): string[] => {
    const r = next();
    // Mostly well-formed: the value an engine would give, or a bare flag.
    if (r < 0.35) return pick(spellings(pick(flags), pick(['c1', '/run/x', 'json']))).split(' ').slice(0, next() < 0.5 ? 1 : 2);
    if (r < 0.55) return pick(spellings(pick(flags), pick(VALUES))).split(' ');
    if (r < 0.6) return [pick(['--help', '-h', '--bogus', '-x', '--', '-'])];
    return [pick(VALUES)];
  };
  let plain = 0;
  const mismatches: string[] = [];
  // Half the lists are well formed (every flag spelled as an engine might, with a value
  // of its type), half are noisy (any flag, any value, stray dashes and help flags).
  const clean = (options: Record<string, Options>): string[] => {
    const [name, o] = pick(Object.entries(options));
    const dash = pick(name.length === 1 ? ['-', '--'] : ['--', '-']);
    if (o.type === 'boolean') return pick([[`${dash}${name}`], [`${dash}${name}=true`], [`${dash}${name}=false`], [`${dash}${name}`, pick(['true', 'false'])]]);
    const value = name === 'log' ? '/dev/null' : name === 'log-format' ? pick(['json', 'text']) : o.type === 'string' ? pick(['c1', 'json', '/run/x']) : '2';
    return next() < 0.5 || name.length === 1 ? [`${dash}${name}`, value] : [`${dash}${name}=${value}`];
  };
  for (let n = 0; n < 10_000; n++) {
    const argv: string[] = [];
    const noisy = next() < 0.5;
    for (let k = Math.floor(next() * 3); k > 0; k--) {
      if (!noisy) {
        argv.push(...clean(GLOBAL_OPTIONS));
        continue;
      }
      const flag = pick(globalFlags);
      // The logger opens --log: only /dev/null, so nothing is written anywhere.
      const value = flag === 'log' ? '/dev/null' : pick(['/run/x', 'json', 'text', 'xml', 'true', '', '-9']);
      argv.push(...pick(spellings(flag, value)).split(' '));
    }
    const name = next() < 0.97 ? pick(COMMAND_NAMES) : 'nope';
    argv.push(name);
    const options = commands.find((c) => c.name === name)?.options ?? {};
    const own = flagsOf(options);
    if (noisy) {
      for (let k = Math.floor(next() * 5); k > 0; k--) argv.push(...(own.length && next() < 0.6 ? token(own) : [next() < 0.5 ? 'c1' : pick(VALUES)]));
    } else {
      for (let k = Math.floor(next() * 5); k > 0; k--) argv.push(...(own.length && next() < 0.6 ? clean(options) : [pick(['c1', 'c2', 'KILL', '9'])]));
    }
    for (let i = 0; i < argv.length; i++) if (argv[i] === '/dev/null' && argv[i - 1] !== '--log' && !argv[i - 1]?.startsWith('-log')) argv[i] = 'id1';
    const p = await parsePlainArgs(argv);
    if (!p) continue;
    plain++;
    const y = await parseWithYargs(argv);
    if (typeof y === 'number' || !isDeepStrictEqual(strip(p), strip(y))) {
      mismatches.push(`${JSON.stringify(argv)}: plain ${JSON.stringify(strip(p))}, yargs ${typeof y === 'number' ? `exit ${y}` : JSON.stringify(strip(y))}`);
    }
  }
  t.same(mismatches.slice(0, 10), [], `${mismatches.length} of ${plain} plainly parsed lists differ`);
  t.ok(plain > 1500, `${plain} of 10000 lists parsed plainly`);
});

t.test('the command lines engines write are parsed plainly, as yargs parses them', async (t) => {
  const lines = [
    ['--root', '/run/containerd/runc/k8s.io', '--log', '/dev/null', '--log-format', 'json', 'state', 'c1'],
    ['--root=/run/x', '--systemd-cgroup', 'list', '--format', 'json'],
    ['list', '-q'],
    ['--root', '/run/x', 'kill', 'c1', '9'],
    ['kill', '--all', 'c1', 'SIGKILL'],
    ['start', 'c1'],
    ['delete', '--force', 'c1'],
    ['-root', '/run/x', 'delete', '-f', 'c1'],
    ['pause', 'c1'],
    ['resume', 'c1'],
    ['ps', '--format', 'json', 'c1'],
    ['ps', 'c1', '-ef'],
    ['--debug', 'create', '--bundle', '/b', '--pid-file', '/p', 'c1'],
    ['run', '-d', '--bundle', '/b', 'c1'],
    ['exec', '--pid-file', '/p', '--detach', 'c1', 'sh', '-c', 'echo --help'],
  ];
  for (const argv of lines) {
    const p = await parsePlainArgs(argv);
    const y = await parseWithYargs(argv);
    t.ok(p, `${argv.join(' ')}: parsed plainly`);
    if (p && typeof y !== 'number') t.same(strip(p), strip(y), argv.join(' '));
  }
  t.same((await parsePlainArgs(['kill', 'c1', '9']))?.positionals, ['c1', '9']);
  t.same((await parsePlainArgs(['list']))?.flags.format, 'table', 'defaults as yargs sets them');
  t.same((await parsePlainArgs(['exec', 'c1', 'ls', '--all']))?.positionals, ['c1', 'ls', '--all'], "exec's arguments after the id are the process's");
});

t.test('help, version, unknown flags, missing values and wrong counts are left to yargs', async (t) => {
  for (const argv of [
    [], ['--help'], ['-v'], ['--version'], ['state', '--help'], ['state', '-h'], ['nope', 'c1'], ['state'], ['state', 'a', 'b'],
    ['kill', 'c1', 'KILL', 'x'], ['state', '--bogus', 'c1'], ['--root'], ['--root', 'state'], ['--root', '-x', 'state', 'c1'], ['list', '--format'],
    ['--log-format', 'xml', 'state', 'c1'], ['delete', '--force=yes', 'c1'], ['create', '--preserve-fds', '2', 'c1'], ['exec', '-e', 'A=1', 'c1', 'ls'],
    ['--', 'state', 'c1'], ['-', 'state'], ['list', '-f=json'], ['--root=', 'state', 'c1'],
  ]) {
    t.equal(await parsePlainArgs(argv), undefined, JSON.stringify(argv));
  }
});
