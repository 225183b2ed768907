// `exec`: run a new process inside a running container. Built like `create`: the
// runtime enters the container init's PID namespace on its main thread only around
// spawning the exec init (src/init/exec-main.ts), puts it into the container's cgroup
// before releasing it, and hands it the init's other namespaces as fds; the exec init
// joins them, sets up the process and execs it. The sync socket is close-on-exec, so
// its end of file tells the runtime the program runs.
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RuntimeError, SyscallError } from '../../errors.js';
import { loadCgroupManager, type CgroupManager } from '../../cgroups/index.js';
import { connectConsoleSocket, proxyTerminal, recvTerminal } from '../../terminal/index.js';
import { hasBegunToExit, isSameLiveProcess } from '../../state/procfs.js';
import { layoutInitFds, type RuntimeChannel, type SlotName } from '../../protocol.js';
import type { ExecInitConfig } from '../../init/exec-config.js';
import type { ContainerRecord } from '../../state/record.js';
import type { LinuxResources, Process } from '../../generated/config.js';
import { loadContainer } from '../shared/container.js';
import { writePidFile } from '../shared/pid-file.js';
import { runningInUserNamespace } from '../shared/rootless.js';
import { nestedUserNamespaceLaunch, type NestedLaunch } from '../launch/nested-userns.js';
import { launcherFdBase, spawnInit } from '../launch/spawn-init.js';
import { initLauncher } from '../launch/launcher.js';
import { becomeChildSubreaper, forkedChild, killAdopted, waitForAdopted } from '../launch/adopted-init.js';
import { killInit } from '../launch/kill-init.js';
import { settleWithin } from '../../sleep.js';
import { openStdioPipes, type StdioPipes } from '../launch/stdio-pipes.js';
import { exitStatus, forwardSignals } from '../launch/foreground.js';
import { execInitJoinsPidsItself, openSelfJoin } from '../../cgroups/self-join.js';
import { initSeccomp } from '../shared/init-seccomp.js';
import { planExec, type ExecPlan } from '../../plan/index.js';
import { kernelLastCap } from '../../process/capability-sets.js';
import { writeOomScoreAdj } from '../../process/attributes.js';
import { namespaceProcPath, openNamespace, sameNamespace, withChildPidNamespace, type NamespaceType } from '../../namespaces.js';
import { linuxSys } from '../../syscall/linux.js';
import { checkPreservedFds, checkTerminalFlags } from '../launch/caller-checks.js';
import { joinCgroupAroundBoot, openInitChannel, sendWhileBooting, serveInit } from '../launch/drive-init.js';
import { unixSocketPair } from '../launch/socketpair.js';
import { processFromContainer, processFromFile, type ProcessOverrides } from './exec-process.js';
import type { RuntimeContext } from '../shared/context.js';

export interface ExecOptions extends ProcessOverrides {
  /**
   * A whole process spec (runc's --process): used instead of the container's process,
   * and the overrides are ignored. Fields it leaves out that runc inherits from the
   * container (capabilities, rlimits, LSM labels, I/O priority, scheduler) are inherited.
   */
  process?: Process;
  /** With a terminal and `detach`: where the pty master is sent. */
  consoleSocket?: string;
  /** Written (digits only, atomically) with the process's host pid once it runs. */
  pidFile?: string;
  /** Return once the process runs instead of waiting for it. */
  detach?: boolean;
  /** Extra fds (from 3) handed to the process. */
  preserveFds?: number;
  /** Allow exec into a paused container (the process starts frozen). */
  ignorePaused?: boolean;
  /**
   * The process's stdin, stdout and stderr without a terminal. By default a detached
   * process gets ours (0-2), a foreground one pipes copied to and from ours.
   */
  stdio?: [number, number, number];
}

export interface ExecResult {
  /** The process's pid as the host sees it. */
  pid: number;
  /** Its exit status (128+signal when killed); absent when detached. */
  status?: number;
}


/** The process spec exec runs for these options (validated). */
export function execSpec(record: ContainerRecord, opts: ExecOptions): Process {
  if (opts.process) return processFromFile(opts.process, record.config.process);
  if (!opts.args?.length) throw new RuntimeError('process args cannot be empty');
  return processFromContainer(record.config.process, opts);
}

/** The plan of the process exec runs for these options, in the container as create saved it. */
export function execPlan(record: ContainerRecord, opts: ExecOptions): ExecPlan {
  return planExec(execSpec(record, opts), record.config, { lastCap: kernelLastCap() });
}

export async function execProcess(ctx: RuntimeContext, id: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const lock = await ctx.store.lock(id);
  let locked = true;
  const fds: number[] = []; // ours to close when done
  const closeAll = () => {
    for (const fd of fds.splice(0)) {
      try { closeSync(fd); } catch { /* already closed */ }
    }
  };
  let child: ChildProcess | undefined;
  let pipes: StdioPipes | undefined;
  let started = false;
  /** The exec init when it was taken over from a forking nsenter (rootless). */
  let adoptedPid: number | undefined;
  try {
    const { record, status } = loadContainer(ctx, id);
    if (status === 'stopped') throw new RuntimeError('cannot exec in a stopped container');
    if (status === 'paused' && !opts.ignorePaused) {
      throw new RuntimeError('cannot exec in a paused container (use --ignore-paused to override)');
    }
    const plan = ctx.log.step('prepare process', () => execPlan(record, opts));
    const proc = plan.process;
    const terminal = proc.terminal;
    const detach = !!opts.detach;
    checkTerminalFlags(terminal, detach, opts.consoleSocket);
    const preserve = opts.preserveFds ?? 0;
    if (!Number.isInteger(preserve) || preserve < 0) throw new RuntimeError(`invalid preserve-fds ${preserve}`);
    checkPreservedFds(preserve);

    // The init's namespaces, opened while we know the pid is still the init's.
    const pidNs = openInitNamespace(record.pid, 'pid');
    fds.push(pidNs);
    /** The init's namespace of `type` when it is not ours (then kept open until the exec init has it). */
    const openOtherNamespace = (type: NamespaceType): number | undefined => {
      const fd = openInitNamespace(record.pid, type);
      fds.push(fd);
      if (!sameNamespace(fd, type)) return fd;
      closeSync(fd);
      fds.splice(fds.indexOf(fd), 1);
      return undefined;
    };
    const joins: { type: NamespaceType; fd: number }[] = [];
    for (const type of plan.joinOrder) {
      const fd = openOtherNamespace(type);
      if (fd !== undefined) joins.push({ type, fd });
    }
    // The user and time namespaces are joined by nsenter, which is single-threaded (setns
    // fails with EINVAL and EUSERS in a threaded process). A kernel without time
    // namespaces has no such file, for anyone.
    const userNs = openOtherNamespace('user');
    const timeNs = existsSync(namespaceProcPath('time')) ? openOtherNamespace('time') : undefined;
    if (!isSameLiveProcess(record.pid, record.pidStartTime)) throw new RuntimeError('cannot exec in a stopped container');

    let consoleFd: number | undefined; // the exec init's end
    let ptyPeer: number | undefined; // ours, foreground with a terminal: the master arrives here
    if (terminal && detach) {
      consoleFd = ctx.log.step('console socket connect', () => connectConsoleSocket(resolve(opts.consoleSocket!)));
      fds.push(consoleFd);
    } else if (terminal) {
      [ptyPeer, consoleFd] = unixSocketPair();
      fds.push(ptyPeer, consoleFd);
    }
    // Foreground without a terminal: pipes, never our own stdio (src/runtime/stdio-pipes.ts).
    if (!terminal && !detach && !opts.stdio) pipes = openStdioPipes();

    // The v1 pids cgroup the exec init joins by itself just before execve, when a limit leaves little room.
    const cgroup = loadCgroupManager(record.cgroup);
    const pidsDir = cgroup.ownPidsDirectory();
    const selfJoin = pidsDir !== undefined && execInitJoinsPidsItself(pidsDir)
      ? ctx.log.step('open pids cgroup', () => openSelfJoin(cgroup, false))
      : undefined;
    if (selfJoin) fds.push(selfJoin.join);
    // The exec init's fds beside its stdio and the preserved ones, after its sync socket.
    const head: (number | 'ignore')[] = terminal ? ['ignore', 'ignore', 'ignore'] : [...(pipes?.childFds ?? opts.stdio ?? [0, 1, 2])];
    const named: [SlotName, number | undefined][] = [
      ...joins.map(({ type, fd }): [SlotName, number] => [`ns:${type}`, fd]), ['console', consoleFd], ['pidsJoin', selfJoin?.join],
    ];

    // The container's seccomp profile, compiled once while the (first) exec init starts.
    const seccomp = initSeccomp(ctx, plan.seccomp);
    const configWith = (oomScoreAdjSet: boolean): ExecInitConfig => ({
      id, process: proc, namespaces: joins.map((j) => j.type), preserveFds: preserve, oomScoreAdjSet,
      root: plan.mountNamespace ? undefined : `/proc/${record.pid}/root`,
      chownStdio: terminal || detach, joinKeyring: true, debug: ctx.debug, ...(seccomp.compiled ? { seccomp: seccomp.compiled } : {}),
    });
    // Outside a user namespace nothing of ours comes between the boot and the config (no oom_score_adj to write for it).
    const tellEarly = userNs === undefined
      ? (channel: RuntimeChannel) => sendWhileBooting(channel, { type: 'execConfig', config: configWith(false) })
      : undefined;
    let booted: BootedExecInit | undefined;
    for (let attempt = 1; !booted; attempt++) {
      // A container process may signal every pid it sees, and the exec init lives in
      // its PID namespace while Node starts, before it can catch anything. If one
      // died so, before it said a word, nothing was done in the container: start
      // another, this time with the container frozen until it has booted.
      const shielded = attempt > 1 && status !== 'paused';
      if (shielded) ctx.log.step('freeze container around exec init boot', () => cgroup.freeze());
      try {
        booted = await bootExecInit(ctx, {
          pidNs, userNs, timeNs, head, preserve, named, cgroup, frozen: status === 'paused' || shielded,
          resources: record.config.linux?.resources, except: selfJoin ? [selfJoin.dir] : [], oomScoreAdj: proc.oomScoreAdj, duringBoot: seccomp.compile, tellEarly,
        });
      } catch (err) {
        // The container's init died meanwhile: its PID namespace takes no new process
        // (fork fails with ENOMEM) and kills the one it had.
        if (hasBegunToExit(record.pid, record.pidStartTime)) throw new RuntimeError('cannot exec in a stopped container', { cause: err });
        if (!(err instanceof KilledAtBoot)) throw err;
        if (attempt >= EXEC_INIT_BOOT_ATTEMPTS) throw new RuntimeError(`${err.message} (${attempt} attempts)`);
        ctx.log.warn(`exec init killed by ${err.signal} while starting; starting another`);
      } finally {
        if (shielded) ctx.log.step('thaw container', () => cgroup.thaw());
      }
    }
    child = booted.child;
    const { pid, channel, exited } = booted;
    if (booted.adopted) adoptedPid = pid;
    const init = child;
    fds.push(channel.fd);
    // Everything the exec init inherited is its own now; only our ends stay open.
    const inherited = [...joins.map((j) => j.fd), pidNs, ...(consoleFd !== undefined ? [consoleFd] : []), ...(selfJoin ? [selfJoin.join] : [])];
    for (const fd of [...inherited, ...[userNs, timeNs].filter((ns) => ns !== undefined)]) {
      closeSync(fd);
      fds.splice(fds.indexOf(fd), 1);
    }
    pipes?.closeChildEnds();
    // In a user namespace the exec init is non-dumpable and may not open its own oom_score_adj.
    const oomScoreAdjSet = booted.oomScoreAdjSet || (userNs !== undefined && proc.oomScoreAdj !== undefined);
    if (oomScoreAdjSet && !booted.oomScoreAdjSet) ctx.log.step('set oom_score_adj', () => writeOomScoreAdj(pid, proc.oomScoreAdj!));
    if (!booted.told) channel.send({ type: 'execConfig', config: configWith(oomScoreAdjSet) });
    // From here on the exec init is one of the container's processes (kill --all and
    // delete reach it), and in a paused container it waits frozen until resume, which
    // must be able to take the lock.
    lock.release();
    locked = false;
    await serveInit(channel, ctx.log, { what: 'exec init', exited, untilExec: true });

    let master: number | undefined;
    if (ptyPeer !== undefined) {
      // The exec init sent it before `ready`: it is queued already.
      master = recvTerminal(ptyPeer, { nonblock: true })?.fd;
      if (master === undefined) throw new RuntimeError('exec init did not send the terminal');
    }
    // A process whose pid file cannot be written is ended, as runc does.
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    started = true;
    closeAll();

    if (detach) {
      // Let the process outlive us: nothing of ours may keep it (or us) waiting.
      init.unref();
      return { pid };
    }
    return { pid, status: await waitForeground(init, pid, exited, master, pipes) };
  } catch (err) {
    closeAll();
    pipes?.close();
    // The exec init, or the process it became.
    if (adoptedPid !== undefined && !started) await killAdopted(adoptedPid);
    else if (child && !started) await killInit(child);
    throw err;
  } finally {
    if (locked) lock.release();
  }
}

/** How many exec inits are started, at most, when each is killed by a signal while Node starts. */
const EXEC_INIT_BOOT_ATTEMPTS = 3;

interface BootedExecInit {
  child: ChildProcess;
  pid: number;
  /** Our end of the sync socket. */
  channel: RuntimeChannel;
  exited: Promise<number>;
  /** Forked by nsenter and taken over from it: `child` is the ended nsenter. */
  adopted?: boolean;
  /** Its launcher set its oom_score_adj. */
  oomScoreAdjSet: boolean;
  /** It was sent its config while it booted (`tellEarly`). */
  told: boolean;
}

/** An exec init that a signal ended before it reported anything. */
class KilledAtBoot extends Error {
  constructor(readonly signal: NodeJS.Signals, override readonly cause: unknown) {
    super(`exec init killed by ${signal} while starting`);
  }
}

/**
 * Spawns an exec init in the container's PID namespace, with `head` as its stdio, the
 * preserved fds, its end of a new sync socket and the `named` fds, and waits until it has
 * booted in the container's cgroup. On failure it is gone and our socket closed;
 * a death by signal before any message is a KilledAtBoot.
 */
async function bootExecInit(ctx: RuntimeContext, o: {
  pidNs: number; userNs: number | undefined; timeNs: number | undefined; head: (number | 'ignore')[]; preserve: number; named: [SlotName, number | undefined][]; cgroup: CgroupManager; frozen: boolean;
  resources: LinuxResources | undefined; except: readonly string[]; oomScoreAdj: number | undefined; duringBoot?: () => void;
  /** Sends the exec init its config while it boots, when nothing of ours comes between (sendWhileBooting); true if sent. */
  tellEarly?: (channel: RuntimeChannel) => boolean;
}): Promise<BootedExecInit> {
  const { channel, theirs } = openInitChannel(ctx.log, 'exec init');
  let child: ChildProcess | undefined;
  let nested: NestedLaunch | undefined;
  let forked = false;
  try {
    try {
      const layout = layoutInitFds(o.head, o.preserve, [['sync', theirs], ...o.named]);
      const base = launcherFdBase(layout.stdio);
      // Run in a user namespace (rootless Podman) with none of the container's own: src/runtime/launch/nested-userns.ts.
      if (o.userNs === undefined && runningInUserNamespace()) {
        nested = nestedUserNamespaceLaunch(sameNamespace(o.pidNs, 'pid') ? undefined : { path: `/proc/self/fd/${base}` }, o.oomScoreAdj);
      }
      // Not root: nsenter enters the PID namespace as well, and forks the exec init, which we then take over.
      forked = (o.userNs !== undefined && process.geteuid?.() !== 0) || !!nested?.forked;
      if (forked) becomeChildSubreaper();
      let launch: { launcher?: string[]; launcherFds?: number[] } = {};
      if (nested) {
        launch = { launcher: nested.launcher, launcherFds: nested.forked ? [o.pidNs] : [] };
      } else {
        // In a user or time namespace: nsenter joins them and execs the exec init; it opens
        // them by our fds. A runtime that is not root may not enter the container's PID
        // namespace itself: nsenter joins it too, and forks the exec init there.
        const joined = forked ? [o.userNs, o.pidNs, o.timeNs] : [o.userNs, o.timeNs];
        const launcherFds = joined.filter((fd) => fd !== undefined);
        const fdPath = (fd: number) => `/proc/self/fd/${base + launcherFds.indexOf(fd)}`;
        const launcher = initLauncher({
          user: o.userNs !== undefined ? fdPath(o.userNs) : undefined,
          join: [
            ...(forked ? [{ type: 'pid' as const, path: fdPath(o.pidNs) }] : []),
            ...(o.timeNs !== undefined ? [{ type: 'time' as const, path: fdPath(o.timeNs) }] : []),
          ],
          newPidNamespace: false,
          rootless: process.geteuid?.() !== 0,
        });
        if (launcher) launch = { launcher, launcherFds };
      }
      const spawn = () => spawnInit({ mode: 'exec-init', args: [layout.arg], stdio: layout.stdio, argv0: 'ocirt-exec', ...launch });
      child = ctx.log.step('spawn exec init', () => forked || nested ? spawn() : withChildPidNamespace(linuxSys, { fd: o.pidNs }, spawn));
    } finally {
      closeSync(theirs);
    }
    const init = child;
    init.once('error', () => {});
    let exited = exitStatus(init);
    const spawned = init.pid;
    if (!spawned) throw new RuntimeError('unable to start the exec init');
    let pid = spawned;
    let told = false;
    // A launcher that set the oom_score_adj says so only once the exec init has booted.
    const tellEarly = o.tellEarly && !nested ? () => { told = o.tellEarly!(channel); } : undefined;
    // Into the container's cgroup before it does anything in the container.
    try {
      pid = await joinCgroupAroundBoot(ctx.log, o.cgroup, forked ? () => forkedChild(spawned) : spawned, channel,
        { resources: o.resources, frozen: o.frozen, except: o.except }, 'exec init', exited, o.duringBoot, tellEarly);
    } catch (err) {
      // Vanished without a word: wait (briefly) to learn whether a signal did it.
      await settleWithin(exited, 1000);
      if (init.signalCode) throw new KilledAtBoot(init.signalCode, err);
      throw err;
    }
    if (forked) {
      // nsenter holds copies of the exec init's fds (our sync socket among them): it is
      // ended, and the exec init, orphaned, becomes our child (we are its subreaper).
      await killInit(init);
      exited = waitForAdopted(pid);
      return { child: init, pid, channel, exited, adopted: true, oomScoreAdjSet: !!nested?.oomScoreAdjSet, told };
    }
    return { child: init, pid, channel, exited, oomScoreAdjSet: !!nested?.oomScoreAdjSet, told };
  } catch (err) {
    closeSync(channel.fd);
    if (child) await killInit(child);
    throw err;
  }
}

/** Waits for a foreground process: signals go to it, its terminal is proxied through us. */
async function waitForeground(
  init: ChildProcess, pid: number, exited: Promise<number>, master: number | undefined, pipes: StdioPipes | undefined,
): Promise<number> {
  const stopForwarding = forwardSignals(pid);
  try {
    const terminal = master !== undefined ? proxyTerminal(master, { stdin: process.stdin, stdout: process.stdout }) : undefined;
    pipes?.start();
    const status = await exited;
    await pipes?.finish();
    // Output still in the pty once the process is gone; a child that kept the slave
    // open must not hold us.
    if (terminal) await settleWithin(terminal, 200);
    return status;
  } finally {
    stopForwarding();
    init.unref();
  }
}

/** A namespace of the container's init; gone means the container stopped. */
function openInitNamespace(pid: number, type: NamespaceType): number {
  try {
    return openNamespace(namespaceProcPath(type, pid));
  } catch (err) {
    if (err instanceof SyscallError && err.code === 'ENOENT') throw new RuntimeError('cannot exec in a stopped container');
    throw err;
  }
}
