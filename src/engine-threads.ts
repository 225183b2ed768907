// Bun's engine starts some of its threads only when it first needs them, from the
// thread that needs them: the JIT's compiler threads at a tier-up, the garbage
// collector's helper at the first full collection. While the main thread has set a
// PID namespace for its children (unshare or setns CLONE_NEWPID, to spawn an init),
// the kernel refuses it any new thread (clone3: EINVAL), and Bun aborts. So for that
// window the JIT's tier-up thresholds are raised out of reach, and the collector's
// helper has been started before it by a full collection. Commands that start
// processes make that collection first thing (startEngineThreads), while the heap is
// small and it costs little; made later, with the command's modules loaded, it took
// 5 ms of every create. Node starts its threads at start-up.
declare const Bun: { gc(full: boolean): void; unsafe: { setJITPolicy(scale: number): void } } | undefined;

/** The largest tier-up threshold scale: no function reaches it in a process's life. */
export const NO_TIER_UP = 2 ** 30;

declare const OCIRT_JIT_POLICY: number | undefined;
/** The scale the process started with: bin/ocirt's is baked in (scripts/compile-options.mjs), Bun's own is 1. */
const STARTUP_JIT_POLICY = typeof OCIRT_JIT_POLICY === 'number' ? OCIRT_JIT_POLICY : 1;

let collectorStarted = false;

/** Starts the collector's helper thread now (once), with a full collection. */
export function startEngineThreads(): void {
  if (typeof Bun === 'undefined' || collectorStarted) return;
  Bun.gc(true);
  collectorStarted = true;
}

/** Runs `fn` (which must not wait for the event loop) so that the engine starts no thread meanwhile. */
export function withoutNewEngineThreads<T>(fn: () => T): T {
  if (typeof Bun === 'undefined') return fn();
  startEngineThreads();
  Bun.unsafe.setJITPolicy(NO_TIER_UP);
  try {
    return fn();
  } finally {
    Bun.unsafe.setJITPolicy(STARTUP_JIT_POLICY);
  }
}
