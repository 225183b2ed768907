// Errno numbers to their names (EPERM, ENOENT, ...), taken from Node's own table so
// they match the running kernel's libc.
import { constants } from 'node:os';

const names = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // Keep the first (canonical) name when two share a number (EAGAIN/EWOULDBLOCK).
  if (!names.has(value)) names.set(value, name);
}

export function errnoName(errno: number): string {
  return names.get(errno) ?? `errno ${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}
