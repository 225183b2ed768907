// Spawning the init and the exec init: Node processes that start inside the
// container's PID namespace while still holding the host's root, mounts and
// privileges. A container process must never be able to reach them as host programs:
//
// - Not dumpable, from their first instruction: a container process running as the
//   same uid and with the same capabilities could otherwise open their
//   /proc/PID/exe, /cwd or /fd while Node starts (its first statement comes tens of
//   milliseconds later). A fork keeps the parent's dumpable flag, so the runtime makes
//   itself non-dumpable; and execve marks a process non-dumpable when its permitted
//   capabilities grow (commit_creds), which for root means from the bounding set. The
//   spawn forks the main thread and capabilities are per thread, so the main thread
//   withholds one capability it never uses from its permitted set: each Node it
//   spawns regains it and starts non-dumpable. Started through a launcher (nsenter),
//   the init is an execve further: src/runtime/launch/launcher.ts keeps it non-dumpable.
// - Run from a read-only view of the Node binary: if the container's program is
//   `#!/proc/self/exe` (or a symlink to it), the final execve runs the init's own
//   executable inside the container, dumpable, where a container process can hold
//   /proc/PID/exe and reopen it for writing once it stops running (CVE-2019-5736).
//   The binary is exec'd through a detached read-only clone of its mount
//   (open_tree + mount_setattr), so every such open fails with EROFS. The clone is
//   in no mount table and goes away with its last user.
// - No inspector on SIGUSR1: Node starts its debugger when it gets SIGUSR1, which a
//   container process may send. A SIGUSR1 listener replaces Node's handler; it is
//   installed by an --import that runs before the init's modules load. Before that,
//   during Node's own start-up, --inspect-port names an address that cannot be bound,
//   so a debugger started then fails to listen.
// - Not killed by the container's signals once Node runs JavaScript: the same --import
//   catches every signal whose default would end or stop it. Before that, during
//   Node's start-up, Node resets what it inherited; `exec` starts another exec init
//   when one dies then (src/runtime/exec.ts).
// - Nothing of the caller's: every fd not named in the spawn's stdio is close-on-exec
//   (src/runtime/inherited-fds.ts).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, closeSync, openSync, statSync, constants as fsc } from 'node:fs';
import * as libc from '../../../ffi/libc.js';
import {
  AT_EMPTY_PATH, AT_FDCWD, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE,
  O_CLOEXEC, O_PATH, PR_CAPBSET_READ, PR_SET_DUMPABLE, SYS,
} from '../../../ffi/constants.js';
import { capNumber } from '../../linux/capabilities.js';
import { RuntimeError, fromNodeError } from '../../errors.js';
import { markInheritedFdsCloseOnExec } from './inherited-fds.js';
import { entryPoint } from './entry-points.js';
import { SHIELDED_SIGNALS } from '../../init/signal-shield.js';

/** Capabilities the runtime's main thread never needs, in the order they are given up. */
const WITHHELD = ['CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_SYS_BOOT', 'CAP_SYS_TTY_CONFIG', 'CAP_LEASE'];

declare const OCIRT_COMPILED: boolean | undefined;

/** Built into the compiled executable, which is both the CLI and the inits. */
export const COMPILED = typeof OCIRT_COMPILED === 'boolean' && OCIRT_COMPILED;

/**
 * Node's flags for the inits: the --import shields the init's signals before its
 * modules load; 0.0.0.0/8 is "this network", not an address a host gives an
 * interface, so an inspector started by SIGUSR1 before that cannot listen.
 */
const NODE_FLAGS = [
  '--no-warnings', '--inspect-port=0.0.0.1:9229',
  `--import=data:text/javascript,for(const s of "${SHIELDED_SIGNALS.join('.')}".split("."))process.on(s,()=>{})`,
];

/**
 * The compiled inits' only environment: JSC without its JIT. An init runs for
 * milliseconds, and the JIT's worker threads, started when the engine decides, would
 * count against a pids limit once the init is in the container's cgroup (and a thread
 * refused there ends the process); without them the init also holds less memory.
 */
const COMPILED_INIT_ENV: Readonly<Record<string, string>> = { BUN_JSC_useJIT: '0' };

/** The arguments that start an init of the given mode from this executable. */
export function initArguments(mode: InitMode): string[] {
  if (COMPILED) return [mode];
  return [...NODE_FLAGS, entryPoint(mode)];
}

let prepared = false;

export type InitMode = 'init' | 'exec-init';

export interface InitSpawn {
  /** Which of the runtime's processes to start. */
  mode: InitMode;
  /** Arguments after the script. */
  args: string[];
  /** fds 0.. of the child; the executable's fd is added after them. */
  stdio: (number | 'ignore' | 'inherit')[];
  /** What `ps` shows. */
  argv0: string;
  /** A program and its arguments that start the init (src/runtime/launch/launcher.ts); argv0 is then its own. */
  launcher?: readonly string[];
  /** fds the launcher opens by /proc/self/fd/N, N from launcherFdBase(stdio). */
  launcherFds?: readonly number[];
}

/** Where the first of the launcher's fds is in the child: after its stdio and the executable. */
export function launcherFdBase(stdio: readonly unknown[]): number {
  return stdio.length + 1;
}

/**
 * Spawns an init or exec init with an empty environment, non-dumpable from its execve
 * and running from a read-only clone of this executable (Node, or the compiled ocirt).
 * Call it on the main thread, where the caller has set the child's PID namespace.
 */
export function spawnInit({ mode, args, stdio, argv0, launcher, launcherFds = [] }: InitSpawn): ChildProcess {
  prepareRuntimeThread();
  markInheritedFdsCloseOnExec();
  const exe = readOnlyExecutable(process.execPath);
  try {
    const childStdio: StdioOptions = [...stdio, exe, ...launcherFds];
    const command = [`/proc/self/fd/${stdio.length}`, ...initArguments(mode), ...args];
    const [file, ...rest] = launcher?.length ? [...launcher, ...command] : command;
    return spawn(file!, rest, {
      stdio: childStdio,
      env: COMPILED ? COMPILED_INIT_ENV : {},
      ...(launcher?.length ? {} : { argv0 }),
    });
  } finally {
    closeSync(exe);
  }
}

/**
 * An O_PATH-like fd of `path` on a detached, read-only, nosuid, nodev clone of its mount.
 * A runtime that is not root may not clone a mount: it runs the executable as it is,
 * which is safe only when the caller (whom the container's root may be on the host) can
 * neither write it nor change its mode, and cannot read it (so the kernel starts the
 * init non-dumpable and keeps it out of reach of the container's ptrace).
 */
function readOnlyExecutable(path: string): number {
  if (process.geteuid?.() !== 0) return unwritableExecutable(path);
  const fd = libc.rawSyscall(SYS.open_tree, 'open_tree', path, ['int', AT_FDCWD], ['str', path], ['uint', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC]);
  try {
    libc.mountSetattr(fd, '', AT_EMPTY_PATH, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** `path` opened O_PATH, once it is checked to be out of the non-root caller's reach. */
function unwritableExecutable(path: string): number {
  const st = statSync(path);
  const mine = st.uid === process.geteuid!();
  const reachable = (mode: number) => {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  };
  if (mine || reachable(fsc.W_OK) || reachable(fsc.R_OK)) {
    throw new RuntimeError(
      `a runtime not run as root runs its init from ${path} as it is: it must not be owned, writable or readable by uid ${process.geteuid!()} ` +
      '(install it owned by root, mode 0711)',
    );
  }
  try {
    return openSync(path, O_PATH | O_CLOEXEC);
  } catch (err) {
    throw fromNodeError(err, 'open', path);
  }
}

function prepareRuntimeThread(): void {
  if (prepared) return;
  libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0, 'PR_SET_DUMPABLE 0');
  // Not root: execve gives the child no capabilities, so there is no growth to use
  // (and such a runtime cannot set up containers anyway).
  if (process.geteuid?.() === 0) withholdOneCapability();
  prepared = true;
}

/** This thread's bounding set. */
function boundingSet(): bigint {
  let set = 0n;
  for (let cap = 0; cap < 64; cap++) {
    let inSet: number;
    try {
      inSet = libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0, `PR_CAPBSET_READ ${cap}`);
    } catch {
      break; // EINVAL: past the kernel's last capability
    }
    if (inSet === 1) set |= 1n << BigInt(cap);
  }
  return set;
}

function withholdOneCapability(): void {
  const caps = libc.capget();
  const cap = capabilityToWithhold(caps.permitted, caps.inheritable, boundingSet());
  if (cap === undefined) return;
  const bit = 1n << BigInt(cap);
  libc.capset({ effective: caps.effective & ~bit, permitted: caps.permitted & ~bit, inheritable: caps.inheritable });
}

/**
 * The capability to drop from the permitted set so that an execve as root gains one
 * (it gets inheritable | bounding, without file capabilities), or undefined when it
 * gains one already.
 */
export function capabilityToWithhold(permitted: bigint, inheritable: bigint, bounding: bigint): number | undefined {
  const regained = inheritable | bounding;
  if (regained & ~permitted) return undefined;
  for (const name of WITHHELD) {
    const cap = capNumber(name);
    if (permitted & regained & (1n << BigInt(cap))) return cap;
  }
  throw new RuntimeError(
    `cannot start the init hidden from the container: none of ${WITHHELD.join(', ')} is in the runtime's permitted and bounding sets`,
  );
}
