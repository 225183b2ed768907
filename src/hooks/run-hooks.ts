// OCI lifecycle hooks (runtime-spec config.md "POSIX-platform Hooks"): each hook is
// run synchronously with the container state as JSON on its stdin. Failures read
// like runc's (libcontainer/configs: Hooks.Run and Command.Run):
//   error running createRuntime hook #1: exit status 1, stdout: ..., stderr: ...
//   error running prestart hook #0: hook ran past specified timeout of 2.0s
//   error running poststop hook #0: fork/exec /nope: no such file or directory
import { spawnSync } from 'node:child_process';
import { RuntimeError } from '../errors.js';
import type { Hook } from '../generated/config.js';
import { goErrnoText, goExitText } from '../process/go-strings.js';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/**
 * Whether a failing hook of this kind aborts the operation (true) or is only logged
 * as a warning while the remaining hooks still run (false), as runtime-spec says for
 * poststart and poststop. (runc itself also fails `start` on a poststart error.)
 */
export const HOOK_FAILURE_IS_FATAL: Readonly<Record<HookKind, boolean>> = Object.freeze({
  prestart: true,
  createRuntime: true,
  createContainer: true,
  startContainer: true,
  poststart: false,
  poststop: false,
});

/** One failed hook; `message` is runc's full text. */
export class HookError extends RuntimeError {
  constructor(
    readonly kind: HookKind,
    readonly index: number,
    readonly reason: string,
  ) {
    super(`error running ${kind} hook #${index}: ${reason}`);
    this.name = 'HookError';
  }
}

export interface RunHooksOptions {
  /** Where a non-fatal failure is reported (it is also returned). */
  warn?: (message: string) => void;
  /**
   * The environment of a hook that has no `env`. runc passes its own environment
   * then (Go's exec.Cmd with a nil Env), so this defaults to process.env.
   */
  inheritedEnv?: NodeJS.ProcessEnv;
}

/** An environ list as the object spawn wants; a later duplicate wins, as in execve users. */
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
  const result = spawnSync(hook.path, args.slice(1), {
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
  if (err) return `${err.message}`;
  if (result.status === 0) return undefined;
  const stdout = result.stdout?.toString() ?? '';
  const stderr = result.stderr?.toString() ?? '';
  return `${goExitText(result.status, result.signal)}, stdout: ${stdout}, stderr: ${stderr}`;
}

/**
 * Runs the hooks of one kind in order. For a fatal kind the first failure throws a
 * HookError and the rest are skipped; for poststart/poststop every hook runs, each
 * failure goes to `warn`, and the failures are returned.
 */
export function runHooks(kind: HookKind, hooks: readonly Hook[] | undefined, state: object, opts: RunHooksOptions = {}): HookError[] {
  const failures: HookError[] = [];
  (hooks ?? []).forEach((hook, index) => {
    const reason = runHook(hook, state, opts);
    if (reason === undefined) return;
    const error = new HookError(kind, index, reason);
    if (HOOK_FAILURE_IS_FATAL[kind]) throw error;
    opts.warn?.(error.message);
    failures.push(error);
  });
  return failures;
}
