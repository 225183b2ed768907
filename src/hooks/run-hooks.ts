// OCI lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks"): each hook is
// run synchronously with the container state as JSON on its stdin. Failures read
// like runc's (libcontainer/configs: Hooks.Run and Command.Run):
//   error running createRuntime hook #1: exit status 1, stdout: ..., stderr: ...
//   error running prestart hook #0: hook ran past specified timeout of 2.0s
//   error running poststop hook #0: fork/exec /nope: no such file or directory
import { RuntimeError } from '../errors.js';
import type { Hook } from '../generated/config.js';
import { goErrnoText, goExitText } from '../process/go-strings.js';

/**
 * node:child_process, loaded at the first hook: most runs of start, delete and the init have
 * none, and loading it costs the engine close to a millisecond.
 */
const childProcess = () => process.getBuiltinModule('node:child_process');

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/**
 * Whether a failing hook of this kind aborts the operation (true), or is to be logged
 * as a warning with the remaining hooks still run (false), as runtime-spec says for
 * poststart and poststop. (runc itself also fails `start`, killing the container, on
 * a poststart error.)
 */
export const HOOK_FAILURE_IS_FATAL: Readonly<Record<HookKind, boolean>> = Object.freeze({
  prestart: true,
  createRuntime: true,
  createContainer: true,
  startContainer: true,
  poststart: false,
  poststop: false,
});

/** A failed hook; `message` is runc's full text. */
export class HookError extends RuntimeError {
  /** Every failure of the run (several only for poststart/poststop, which run all hooks). */
  readonly failures: HookError[];
  constructor(
    readonly kind: HookKind,
    readonly index: number,
    readonly reason: string,
    more: HookError[] = [],
  ) {
    super([`error running ${kind} hook #${index}: ${reason}`, ...more.map((e) => e.message)].join('; '));
    this.name = 'HookError';
    this.failures = [this, ...more];
  }
}

export interface RunHooksOptions {
  /**
   * For poststart/poststop: receives each failure instead of runHooks throwing.
   * Without it, those kinds throw after every hook has run.
   */
  warn?: (message: string) => void;
  /**
   * The environment of a hook that has no `env`. runc passes its own environment
   * then (Go's exec.Cmd with a nil Env), so this defaults to process.env.
   */
  inheritedEnv?: NodeJS.ProcessEnv;
}

/** An environ list as the object spawn wants (a later duplicate wins). */
function envObject(list: readonly string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** Runs one hook; returns why it failed, or undefined on success. */
export function runHook(hook: Hook, state: object, opts: RunHooksOptions = {}): string | undefined {
  // The spec's args include argv[0]; without args, argv[0] is the path (as in Go's exec.Cmd).
  const args = hook.args?.length ? hook.args : [hook.path];
  const timeoutMs = hook.timeout !== undefined && hook.timeout > 0 ? hook.timeout * 1000 : undefined;
  // A bare name would be searched in PATH by spawn; runc execs it from the cwd.
  const file = hook.path.includes('/') ? hook.path : `./${hook.path}`;
  const result = childProcess().spawnSync(file, args.slice(1), {
    argv0: args[0],
    env: hook.env ? envObject(hook.env) : (opts.inheritedEnv ?? process.env),
    input: JSON.stringify(state),
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: Infinity,
    windowsHide: true,
  });
  const err = result.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ETIMEDOUT') {
    return `hook ran past specified timeout of ${hook.timeout!.toFixed(1)}s`;
  }
  if (err && result.pid === 0) {
    // It never started: Go reports the failed fork/exec with the errno text.
    return `fork/exec ${hook.path}: ${goErrnoText(err.code, err.message)}`;
  }
  // EPIPE: the hook exited without reading all of the state; Go ignores that too.
  if (err && err.code !== 'EPIPE') return err.message;
  if (result.status === 0) return undefined;
  const stdout = result.stdout?.toString() ?? '';
  const stderr = result.stderr?.toString() ?? '';
  return `${goExitText(result.status, result.signal)}, stdout: ${stdout}, stderr: ${stderr}`;
}

/**
 * Runs the hooks of one kind in order, with `state` as JSON on their stdin.
 * Fatal kinds (HOOK_FAILURE_IS_FATAL) throw a HookError at the first failure and
 * skip the rest, like runc. For poststart/poststop every hook runs; each failure goes
 * to `opts.warn` when given, otherwise one HookError naming them all is thrown at the
 * end (so a caller that wants runc's behaviour can still act on it).
 */
export function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: object, opts: RunHooksOptions = {}): void {
  const failures: HookError[] = [];
  (hooks ?? []).forEach((hook, index) => {
    const reason = runHook(hook, state, opts);
    if (reason === undefined) return;
    const error = new HookError(kind, index, reason);
    if (HOOK_FAILURE_IS_FATAL[kind]) throw error;
    if (opts.warn) opts.warn(error.message);
    else failures.push(error);
  });
  if (failures.length) {
    const [first, ...more] = failures;
    throw new HookError(kind, first!.index, first!.reason, more);
  }
}
