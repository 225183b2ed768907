// Sysctl names come in two spellings (sysctl(8), sysctl.d(5)): `net.ipv4.conf.eth0/100.rp_filter`, where
// '.' separates components and '/' stands for a '.' inside one, and `net/ipv4/conf/eth0.100/rp_filter`,
// the path under /proc/sys. The first separator tells which spelling a name uses. runc accepts both.

/** Swaps '.' and '/': turns one spelling into the other. */
function swapSeparators(name: string): string {
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

function usesSlashes(name: string): boolean {
  const first = name.search(/[./]/);
  return first !== -1 && name[first] === '/';
}

/** The dotted spelling: `kernel/shmmax` → `kernel.shmmax`; a dotted name is returned as it is. */
export function sysctlDottedName(name: string): string {
  return usesSlashes(name) ? swapSeparators(name) : name;
}

/** The path under /proc/sys: `kernel.shmmax` → `kernel/shmmax`; a slash name is returned as it is. */
export function sysctlRelativePath(name: string): string {
  return usesSlashes(name) ? name : swapSeparators(name);
}
