const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Block the calling thread for `ms` milliseconds: for the synchronous code (the cgroup manager, the
 * container's setup in the init) where no event loop turns between the syscalls around it.
 */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}
