// The pid file create and exec write for their callers.
import { basename, dirname, join, resolve } from 'node:path';
import { withContext } from '../../errors.js';
import { writeFileAtomic } from '../../state/store.js';

/** runc's pid file: decimal digits, no newline, written to a temp file and renamed. */
export function writePidFile(path: string, pid: number): void {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}`);
  try {
    writeFileAtomic(tmp, target, String(pid), 0o644);
  } catch (err) {
    throw withContext('write pid file', err);
  }
}

