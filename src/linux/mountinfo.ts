/**
 * /proc/<pid>/mountinfo (proc(5)), one typed entry per line:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent major:minor root mount-point options [optional fields...] - fstype source super-options
 *
 * The kernel escapes space, tab, newline and backslash in the path-like fields as octal (`\040`); every
 * field is decoded after it is split, so an escaped comma in an option list stays inside its option.
 * Entries come in the kernel's order: a mount stacked on another comes after it.
 */
import { readFileSync } from 'node:fs';

import { fromNodeError } from '../errors.js';

export interface MountinfoEntry {
  /** Mount id (unique while the mount exists). */
  id: number;
  /** Id of the parent mount (the mount's own id for the root of the namespace's tree). */
  parentId: number;
  /** st_dev of the filesystem. */
  major: number;
  minor: number;
  /** The directory of the filesystem that is the root of this mount (`/` unless a sub-tree is bound). */
  root: string;
  /** Where the mount is, relative to the reading process's root. */
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, `relatime`…). */
  options: string[];
  /** Optional fields as they appear (`shared:N`, `master:N`, `propagate_from:N`, `unbindable`). */
  optionalFields: string[];
  /** Peer group of a shared mount (`shared:N`). */
  shared?: number;
  /** Peer group this mount is a slave of (`master:N`). */
  master?: number;
  fsType: string;
  /** Filesystem-specific source (`/dev/sda1`, `tmpfs`, `none`…). */
  source: string;
  /** Per-superblock options. */
  superOptions: string[];
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function splitOptions(field: string): string[] {
  return field === '' ? [] : field.split(',').map(unescapeOctal);
}

function taggedNumber(fields: readonly string[], tag: string): number | undefined {
  const field = fields.find((f) => f.startsWith(`${tag}:`));
  return field === undefined ? undefined : Number(field.slice(tag.length + 1));
}

/** One line, or undefined when it is not a mountinfo line (too few fields, no `-` separator, bad numbers). */
export function parseMountinfoLine(line: string): MountinfoEntry | undefined {
  const fields = line.trim().split(' ');
  const separator = fields.indexOf('-', 6);
  if (separator < 0 || fields.length < separator + 3) return undefined;
  const id = Number(fields[0]);
  const parentId = Number(fields[1]);
  const device = /^(\d+):(\d+)$/.exec(fields[2]!);
  if (!Number.isInteger(id) || !Number.isInteger(parentId) || device === null) return undefined;
  const optionalFields = fields.slice(6, separator);
  return {
    id,
    parentId,
    major: Number(device[1]),
    minor: Number(device[2]),
    root: unescapeOctal(fields[3]!),
    mountPoint: unescapeOctal(fields[4]!),
    options: splitOptions(fields[5]!),
    optionalFields,
    shared: taggedNumber(optionalFields, 'shared'),
    master: taggedNumber(optionalFields, 'master'),
    fsType: unescapeOctal(fields[separator + 1]!),
    source: unescapeOctal(fields[separator + 2]!),
    superOptions: splitOptions(fields[separator + 3] ?? ''),
  };
}

/** Every entry of a mountinfo text; lines that are not mountinfo lines are skipped. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseMountinfoLine(line);
    if (entry !== undefined) entries.push(entry);
  }
  return entries;
}

/** The text of this process's /proc/self/mountinfo; a failure names the file and errno. */
export function readOwnMountinfo(): string {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch (err) {
    throw fromNodeError(err, 'read', '/proc/self/mountinfo');
  }
}
