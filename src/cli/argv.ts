// Argument forms yargs does not take on its own but runc's callers use: single-dash
// long flags (`-no-subreaper`, `-root=X`, Go's flag package accepts them), and
// exec/ps, whose arguments after the container id belong to the container.

/** Commands whose flags end at their first positional argument. */
export const STOP_AT_FIRST_POSITIONAL = new Set(['exec', 'ps']);

export function normalizeArgv(args: string[], valueFlags: Set<string>): string[] {
  const out: string[] = [];
  let command: string | undefined;
  let positionals = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (/^-[A-Za-z][A-Za-z0-9-]+(=.*)?$/.test(arg)) {
      out.push(`-${arg}`);
    } else {
      out.push(arg);
    }
    const normalized = out[out.length - 1]!;
    if (normalized.startsWith('-') && normalized !== '-') {
      // A flag: skip its value, if it takes one and it is not given with '='.
      const name = normalized.replace(/^-+/, '').split('=')[0]!;
      if (!normalized.includes('=') && valueFlags.has(name) && i + 1 < args.length) out.push(args[++i]!);
      continue;
    }
    if (command === undefined) {
      command = arg;
      continue;
    }
    positionals++;
    if (STOP_AT_FIRST_POSITIONAL.has(command) && positionals === 1) {
      out.push('--', ...args.slice(i + 1));
      break;
    }
  }
  return out;
}
