// Host programs the runtime starts by absolute path, looked for in fixed directories:
// never the caller's PATH, which could name a program of its choosing.
import { accessSync, constants as fsc } from 'node:fs';
import { RuntimeError } from '../../errors.js';

/** Where util-linux's and shadow's programs are on Debian and its kin. */
export const HOST_PROGRAM_DIRS: readonly string[] = ['/usr/bin', '/bin'];

/** The first executable `name` in `dirs`; else an error that starts with `needIt` (what needs it). */
export function findHostProgram(name: string, dirs: readonly string[], needIt: string): string {
  for (const dir of dirs) {
    const path = `${dir}/${name}`;
    try {
      accessSync(path, fsc.X_OK);
      return path;
    } catch { /* not there */ }
  }
  throw new RuntimeError(`${needIt} ${name}: not found in ${dirs.join(' or ')}`);
}
