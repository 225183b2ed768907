// Made at the first sleep, not at load: a SharedArrayBuffer costs every command that loads this module.
let sleepCell: Int32Array | undefined;

/**
 * Block the calling thread for `ms` milliseconds: for the synchronous code (the cgroup manager, the
 * container's setup in the init) where no event loop turns between the syscalls around it.
 */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait((sleepCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}

/**
 * Waits for `p` to settle (fulfilled or rejected) or for `ms` to pass, whichever comes
 * first; the timer does not keep the process alive.
 */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((res) => {
    timer = setTimeout(res, ms);
    timer.unref();
  });
  try {
    await Promise.race([p.then(() => {}, () => {}), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
