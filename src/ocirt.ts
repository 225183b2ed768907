// The entry of the compiled executable, bin/ocirt. It holds the CLI and the runtime's
// own processes, which `create` and `exec` start as `ocirt init` and `ocirt exec-init`
// (as runc starts `runc init`). Nothing but the mode's own modules is loaded: the
// inits start inside the container's PID namespace and shield themselves from its
// signals before anything else.
import { shieldSignals } from './init/signal-shield.js';
import { mark } from './phase-marks.js';
import { startEngineThreads } from './engine-threads.js';

mark('first-js');
const mode = process.argv[2];
if (mode === 'init' || mode === 'exec-init') {
  shieldSignals();
  process.argv.splice(2, 1);
  if (mode === 'init') await import('./init/main.js');
  else await import('./init/exec-main.js');
} else {
  const foreign = Object.keys(process.env).filter(isEngineVariable);
  if (foreign.length) await restartWithout(foreign);
  // The commands that start an init (`startsInit` in their definitions) need the
  // collector's helper thread first (src/engine-threads.ts): a full collection now,
  // before the CLI is loaded, costs 0.4 ms; made once the command line is parsed,
  // 1.3 ms. A command line that merely contains one of their names (an id `run`) pays
  // it for nothing.
  if (process.argv.some((arg) => arg === 'create' || arg === 'run' || arg === 'exec')) startEngineThreads();
  await import('./cli/main.js');
}

/**
 * Variables that change how the JavaScript engine itself behaves (Bun's options, JSC's
 * flags, Node's options). The caller's must not change what the runtime does.
 * (BUN_BE_BUN, read before any of our code runs, is renamed in the binary by
 * scripts/compile.mjs.)
 */
function isEngineVariable(name: string): boolean {
  return name.startsWith('BUN_') || name.startsWith('JSC_') || name === 'NODE_OPTIONS';
}

/** execve's this executable again, with the same arguments and fds, without those variables. */
async function restartWithout(names: string[]): Promise<never> {
  const { execve } = await import('../ffi/libc.js');
  const env = Object.entries(process.env).filter(([k]) => !names.includes(k)).map(([k, v]) => `${k}=${v}`);
  return execve('/proc/self/exe', [process.argv0, ...process.argv.slice(2)], env);
}
