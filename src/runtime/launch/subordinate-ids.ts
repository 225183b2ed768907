// /etc/subuid and /etc/subgid (shadow's subid files): the host ids a user may map into a
// user namespace through newuidmap/newgidmap, one `owner:start:count` per line, where
// owner is the user's name or its uid in decimal.
import { readFileSync } from 'node:fs';
import { fromNodeError } from '../../errors.js';

export interface IdRange { start: number; count: number }

/** The ranges of `text` that belong to the user named `name` (if it has a name) or numbered `uid`. */
export function parseSubordinateIds(text: string, user: { name?: string; uid: number }): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields.length !== 3 || line.trim().startsWith('#')) continue;
    const [owner, start, count] = fields as [string, string, string];
    if (owner !== user.name && owner !== String(user.uid)) continue;
    if (!/^\d+$/.test(start) || !/^\d+$/.test(count)) continue;
    ranges.push({ start: Number(start), count: Number(count) });
  }
  return ranges;
}

/** The user's ranges in the subid file at `path`; a missing file grants none. */
export function readSubordinateIds(path: string, user: { name?: string; uid: number }): IdRange[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fromNodeError(err, undefined, path);
  }
  return parseSubordinateIds(text, user);
}
