/**
 * Signal names ↔ numbers for Linux (x86_64 and arm64 share the generic numbering) and
 * runc's `kill` argument parsing.
 */

/** First real-time signal usable by applications: glibc reserves 32 and 33 for its threads. */
export const SIGRTMIN = 34;
/** Last real-time signal (_NSIG - 1). */
export const SIGRTMAX = 64;

/** Standard signals by canonical name. */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
});

/** Alternative names glibc also defines; accepted when parsing, never produced. */
const ALIASES: Readonly<Record<string, number>> = Object.freeze({
  SIGIOT: 6,
  SIGCLD: 17,
  SIGPOLL: 29,
});

const NAME_BY_NUMBER: ReadonlyMap<number, string> = new Map(Object.entries(SIGNALS).map(([name, n]) => [n, name]));

/**
 * Parses a signal as `runc kill` does: a decimal integer is used as is; otherwise the
 * text is upper-cased, prefixed with `SIG` if missing and looked up by name. Beyond runc,
 * `SIGRTMIN`, `SIGRTMAX`, `SIGRTMIN+n` and `SIGRTMAX-n` (as printed by `kill -l`) are accepted.
 * Throws `unknown signal "X"` (with the original text) for anything else.
 */
export function parseSignal(raw: string): number {
  // Go's strconv.Atoi: optional sign, decimal digits, must fit an int.
  if (/^[+-]?\d+$/.test(raw)) {
    const n = Number(raw);
    if (Number.isSafeInteger(n)) return n;
  }
  let name = raw.toUpperCase();
  if (!name.startsWith('SIG')) name = `SIG${name}`;
  const n = lookupName(name);
  if (n === undefined) throw new Error(`unknown signal ${JSON.stringify(raw)}`);
  return n;
}

function lookupName(name: string): number | undefined {
  if (Object.hasOwn(SIGNALS, name)) return SIGNALS[name];
  if (Object.hasOwn(ALIASES, name)) return ALIASES[name];
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return undefined;
  const [, base, sign, offset] = rt;
  const delta = offset === undefined ? 0 : Number(offset);
  // kill -l spelling only: SIGRTMIN+n counts up, SIGRTMAX-n counts down.
  if ((base === 'MIN' && sign === '-') || (base === 'MAX' && sign === '+')) return undefined;
  const n = base === 'MIN' ? SIGRTMIN + delta : SIGRTMAX - delta;
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}

/**
 * Canonical name of a signal number: `SIGTERM`, or for real-time signals the `kill -l`
 * spelling (`SIGRTMIN`, `SIGRTMIN+3`, `SIGRTMAX-2`, `SIGRTMAX`). Undefined if it has none.
 */
export function signalName(n: number): string | undefined {
  const standard = NAME_BY_NUMBER.get(n);
  if (standard !== undefined) return standard;
  if (!Number.isInteger(n) || n < SIGRTMIN || n > SIGRTMAX) return undefined;
  // kill -l splits the range in the middle: up to SIGRTMIN+15, then SIGRTMAX-14 onwards.
  const fromMin = n - SIGRTMIN;
  const fromMax = SIGRTMAX - n;
  if (fromMin === 0) return 'SIGRTMIN';
  if (fromMax === 0) return 'SIGRTMAX';
  return fromMin <= fromMax ? `SIGRTMIN+${fromMin}` : `SIGRTMAX-${fromMax}`;
}
