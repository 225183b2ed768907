// Compiled seccomp filters, kept in the state root. Engines give every container the same
// profile, and compiling it (libseccomp, some 400 rules on three architectures) took 9 ms
// of each create and exec, 20 ms when the init starts beside it on two cores; a cached
// filter is read in well under one. An entry is named by the SHA-256 of what the program
// depends on (the profile, libseccomp's version and API level, ocirt's version and the
// compiler's format below) and holds all of that (its key), which must equal what is asked
// for: a hash collision or a stale entry is compiled again, never used.
// The directory is the root's (0700, the runtime's own), as the containers' state is.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinuxSeccomp } from '../generated/config.js';
import { libseccomp, type Libseccomp } from '../../ffi/seccomp.js';
import { compileSeccompFilter, type BuildOptions, type CompiledSeccomp } from './seccomp.js';

/** Bumped when compileSeccompFilter would make another program from the same inputs. */
const FORMAT = 1;

/** Its name starts with `~`, which no container id may hold (src/state/store.ts). */
export const SECCOMP_CACHE_DIR = '~seccomp-cache';

interface Entry extends CompiledSeccomp {
  key: string;
}

declare const Bun: { CryptoHasher: new (algorithm: string) => { update(data: string): { digest(encoding: 'hex'): string } } } | undefined;

function sha256(text: string): string {
  if (typeof Bun !== 'undefined') return new Bun.CryptoHasher('sha256').update(text).digest('hex');
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/** What the compiled program depends on, as one string. */
function cacheKey(spec: LinuxSeccomp, lib: Libseccomp, version: string): string {
  const v = lib.version();
  return JSON.stringify({ format: FORMAT, ocirt: version, libseccomp: `${v.major}.${v.minor}.${v.micro}`, api: lib.apiLevel(), arch: lib.archNative(), spec });
}

/**
 * The compiled filter for `spec`: from the cache under `root` when an entry matches, else
 * compiled and stored (best effort: a root that cannot hold it only costs the next compile).
 */
export function cachedSeccompFilter(
  root: string, spec: LinuxSeccomp, version: string, opts: BuildOptions & { lib?: Libseccomp } = {},
): CompiledSeccomp {
  const lib = opts.lib ?? libseccomp;
  const key = cacheKey(spec, lib, version);
  const dir = join(root, SECCOMP_CACHE_DIR);
  const file = join(dir, `${sha256(key)}.json`);
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as Entry;
    if (entry.key === key && typeof entry.program === 'string' && typeof entry.flags === 'number') {
      opts.debug?.(`seccomp filter from ${file}`);
      return { program: entry.program, flags: entry.flags };
    }
  } catch {
    // none yet, or unreadable: compiled below
  }
  const compiled = compileSeccompFilter(spec, lib, opts);
  const tmp = `${file}.${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify({ key, ...compiled } satisfies Entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // never made
    }
    opts.debug?.(`seccomp filter not cached: ${(err as Error).message}`);
  }
  return compiled;
}
