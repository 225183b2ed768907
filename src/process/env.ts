// The environment the container program gets: process.env checked and de-duplicated
// like runc's prepareEnv (the last occurrence of a name is kept, where it stands),
// plus HOME from the container's /etc/passwd when the config has none (runc's setupUser).
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import { goQuote } from './go-strings.js';

/** An entry of an environ list that cannot be passed on; `index` is its place in the list. */
export class InvalidEnvError extends RuntimeError {
  constructor(message: string, readonly index: number) {
    super(message);
    this.name = 'InvalidEnvError';
  }
}

/**
 * Validates and de-duplicates an environ list. Errors read like runc's:
 * `invalid environment variable: missing '='`, `... name cannot be empty`,
 * `invalid environment variable "X": contains nul byte (\x00)`.
 */
export function dedupEnv(env: readonly string[] | undefined): { env: string[]; hasHome: boolean } {
  const out: string[] = [];
  const seen = new Set<string>();
  // Walk backwards so the last occurrence of each name is the one kept.
  for (let i = (env?.length ?? 0) - 1; i >= 0; i--) {
    const kv = env![i]!;
    const eq = kv.indexOf('=');
    if (eq === -1) throw new InvalidEnvError("invalid environment variable: missing '='", i);
    if (eq === 0) throw new InvalidEnvError('invalid environment variable: name cannot be empty', i);
    const key = kv.slice(0, eq);
    if (seen.has(key)) continue;
    seen.add(key);
    if (kv.includes('\0')) throw new InvalidEnvError(`invalid environment variable ${goQuote(key)}: contains nul byte (\\x00)`, i);
    out.push(kv);
  }
  out.reverse();
  return { env: out, hasHome: seen.has('HOME') };
}

/** The home directory of `uid` in a passwd file, or "/" (runc's default) when absent. */
export function homeOf(uid: number, passwdPath = '/etc/passwd'): string {
  let text: string;
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    return '/';
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[2] === String(uid) && f[5]) return f[5];
  }
  return '/';
}

/** The final environment for execve: de-duplicated, with HOME added when missing. */
export function containerEnv(env: readonly string[] | undefined, uid: number, passwdPath = '/etc/passwd'): string[] {
  const { env: out, hasHome } = dedupEnv(env);
  if (!hasHome) out.push(`HOME=${homeOf(uid, passwdPath)}`);
  return out;
}
