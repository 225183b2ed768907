// `create`: validate the bundle, make the state directory, start the container init
// in its cgroup and namespaces, drive it through setup, and return once it waits for
// `start`. Any failure on the way undoes everything: init killed, cgroup removed,
// state directory deleted.
import type { ChildProcess } from 'node:child_process';
import { closeSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadBundleConfig } from '../../config/load.js';
import { semanticWarnings } from '../../config/semantic.js';
import { ConfigError } from '../../config/errors.js';
import { apparmorEnabled, selinuxEnabled } from '../../linux/lsm.js';
import { RuntimeError, errorMessage } from '../../errors.js';
import { createCgroupManager, type CgroupManager } from '../../cgroups/index.js';
import { initJoinsPidsItself, openSelfJoin } from '../../cgroups/self-join.js';
import { initSeccomp } from '../shared/init-seccomp.js';
import { createCgroup, mountedCgroupPaths } from '../../cgroups/rootless.js';
import { snapshotHostMounts, unmountHostMounts, type HostMounts } from '../../rootfs/host-mounts.js';
import { hasNamespace, planContainer, withInitPid, type ContainerPlan } from '../../plan/index.js';
import { kernelLastCap } from '../../process/capability-sets.js';
import { writeOomScoreAdj } from '../../process/attributes.js';
import { checkNamespacePaths, withChildPidNamespace, writeTimeOffsets } from '../../namespaces.js';
import { linuxSys } from '../../syscall/linux.js';
import { runHooks } from '../../hooks/run-hooks.js';
import { connectConsoleSocket } from '../../terminal/console-socket.js';
import { readProcStat } from '../../state/procfs.js';
import { validateId } from '../../state/store.js';
import type { ContainerRecord, CreateJournal } from '../../state/record.js';
import { layoutInitFds, type SlotName } from '../../protocol.js';
import type { InitConfig } from '../../init/config.js';
import { rfc3339Nano } from '../shared/oci-state.js';
import { spawnInit } from '../launch/spawn-init.js';
import { startUserNamespaceHolder, type UserNamespaceHolder } from '../launch/userns-holder.js';
import { initLauncher } from '../launch/launcher.js';
import { runningInUserNamespace } from '../shared/rootless.js';
import { nestedUserNamespaceLaunch } from '../launch/nested-userns.js';
import { checkRootlessMaps, hostIdOf, rootlessCaller, withJoinedUserNamespaceMaps, writeIdMaps } from '../launch/id-maps.js';
import { openIdmappedSources } from '../launch/idmapped-mounts.js';
import { adoptForkedInit, becomeChildSubreaper, killAdopted } from '../launch/adopted-init.js';
import { killInit } from '../launch/kill-init.js';
import { checkPreservedFds, checkTerminalFlags } from '../launch/caller-checks.js';
import { joinCgroupAroundBoot, openInitChannel, sendWhileBooting, serveInit } from '../launch/drive-init.js';
import { makeExecFifo } from '../shared/exec-fifo.js';
import { runPoststop } from '../shared/poststop.js';
import { writePidFile } from '../shared/pid-file.js';
import type { RuntimeContext } from '../shared/context.js';
import type { Spec } from '../../generated/config.js';

export interface CreateOptions {
  /** Bundle directory (default: the current directory). */
  bundle?: string;
  consoleSocket?: string;
  pidFile?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** Extra fds (from 3, after LISTEN_FDS) handed to the container. */
  preserveFds?: number;
  /** Environment the caller runs with (LISTEN_FDS is read from it). */
  env?: NodeJS.ProcessEnv;
  /**
   * Set by `run` in the foreground: the caller keeps the init as its child and
   * owns the terminal (the pty master comes back over this fd).
   */
  foreground?: {
    consoleFd?: number;
    /** The init's stdin, stdout and stderr without a terminal (default: ours). */
    stdio?: [number, number, number];
  };
  /** What prepareCreate returned for these options, when the caller has run it already. */
  prepared?: PreparedCreate;
}

export interface Created {
  record: ContainerRecord;
  /** The process spawned: the init, or in a new user namespace the intermediate that forked it (ended). */
  child: ChildProcess;
  /** In a new user namespace, or run in one (nested-userns.ts): the init is ours only as an adopted child (src/runtime/launch/adopted-init.ts). */
  adopted?: boolean;
}


export interface PreparedCreate { spec: Spec; plan: ContainerPlan; bundle: string; rootfs: string; listenFds: number }

/** Reads, checks and plans everything create needs before touching the system. */
export function prepareCreate(id: string, opts: CreateOptions): PreparedCreate {
  validateId(id);
  const { spec, bundle } = loadBundleConfig(resolve(opts.bundle ?? process.cwd()));
  // Every name and option decided now: a config the init could not follow leaves nothing behind.
  const planned = planContainer(spec, { id, bundle, lastCap: kernelLastCap(), runtimeInUserNamespace: runningInUserNamespace() });
  checkNamespacePaths(spec, linuxSys);
  const plan = withJoinedUserNamespaceMaps(planned);
  // Without root only the caller's own ids and its /etc/subuid, /etc/subgid ranges may be mapped.
  if (plan.namespaces.user && plan.namespaces.user.path === undefined && process.geteuid?.() !== 0) {
    const issues = checkRootlessMaps(plan.namespaces.user, rootlessCaller());
    if (issues.length) throw ConfigError.invalid('config.json', issues);
  }
  const idmapped = plan.mounts.findIndex((m) => m.idmap);
  if (idmapped >= 0 && process.geteuid?.() !== 0) {
    throw new RuntimeError(`/mounts/${idmapped}: id-mapped mounts need a runtime run as root (as in runc, not for rootless containers)`);
  }
  const terminal = !!spec.process?.terminal;
  const detached = !opts.foreground;
  checkTerminalFlags(terminal, detached, opts.consoleSocket);
  // A label the host cannot apply must not be silently dropped (runc refuses too).
  if (spec.process?.selinuxLabel && !selinuxEnabled()) {
    throw new RuntimeError('selinux label is specified in config, but selinux is disabled or not supported');
  }
  if (spec.process?.apparmorProfile && !apparmorEnabled()) {
    throw new RuntimeError('apparmor profile is specified in config, but apparmor is disabled or not supported');
  }
  // linux.mountLabel is an SELinux context for the container's mounts (context= mount option).
  if (spec.linux?.mountLabel && !selinuxEnabled()) {
    throw new RuntimeError('/linux/mountLabel: selinux mount label is specified in config, but selinux is disabled or not supported');
  }
  const rootfs = plan.root.path;
  let st;
  try {
    st = statSync(rootfs);
  } catch {
    throw new RuntimeError(`rootfs (${rootfs}) does not exist`);
  }
  if (!st.isDirectory()) throw new RuntimeError(`rootfs (${rootfs}) is not a directory`);
  const env = opts.env ?? process.env;
  const listenFds = env.LISTEN_FDS && Number(env.LISTEN_PID) === process.pid ? Number(env.LISTEN_FDS) || 0 : 0;
  const total = listenFds + (opts.preserveFds ?? 0);
  checkPreservedFds(total);
  return { spec, plan, bundle, rootfs, listenFds };
}

export async function createContainer(ctx: RuntimeContext, id: string, opts: CreateOptions = {}): Promise<Created> {
  const { spec, plan, bundle, rootfs, listenFds } = opts.prepared ?? ctx.log.step('validate bundle', () => prepareCreate(id, opts));
  for (const w of semanticWarnings(spec)) ctx.log.warn(`${w.pointer}: ${w.message}`);
  const preserve = listenFds + (opts.preserveFds ?? 0);
  // Without a mount namespace the init mounts in the host's: what was there before is noted first.
  const hostMounts = hasNamespace(plan.namespaces, 'mount')
    ? undefined
    : ctx.log.step('note host mounts', () => snapshotHostMounts(rootfs));
  const self = readProcStat(process.pid);
  const journal: CreateJournal = {
    creator: { pid: process.pid, startTime: self?.startTime ?? '' }, bundle, rootfs, created: rfc3339Nano(),
    annotations: spec.annotations as Record<string, string> | undefined,
    ...(hostMounts ? { hostMounts } : {}),
  };
  const lock = await ctx.store.createLocked(id, journal);
  const fds: number[] = [];
  let child: ChildProcess | undefined;
  let cgroup: CgroupManager | undefined;
  let holder: UserNamespaceHolder | undefined;
  /** An init taken over from the intermediate that forked it (new user namespace, or run in one). */
  let adopted: number | undefined;
  try {
    const userNs = plan.namespaces.user;
    const rootUid = userNs && hostIdOf(userNs.uidMap, 0);
    const rootGid = userNs && hostIdOf(userNs.gidMap, 0);
    const euid = process.geteuid?.() ?? 0;
    // Not root: the caller can give the fifo only to itself (the init opens it by its mode, 0622, otherwise).
    const fifoOwner = rootUid !== undefined && rootGid !== undefined && (euid === 0 || rootUid === euid)
      ? { uid: rootUid, gid: euid === 0 ? rootGid : process.getegid!() } : undefined;
    const fifoFd = makeExecFifo(ctx.store.fifoPath(id), fifoOwner);
    fds.push(fifoFd);

    const planned = ctx.log.step('cgroup create', () =>
      createCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd: ctx.systemdCgroup }));
    cgroup = planned;
    // Recorded first, so that a create killed from here on can be undone by delete.
    journal.cgroup = planned.toJSON();
    ctx.store.writeCreateJournal(id, journal);
    /** Makes the container's cgroup directories and applies its resources. */
    const makeCgroup = (): CgroupManager => {
      const made = cgroup = ctx.log.step('cgroup mkdir', () => createCgroup(planned, {
        rootless: ctx.rootless, cgroupsPath: spec.linux?.cgroupsPath,
        skipped: (dir, err) => ctx.log.debug(`rootless: no cgroup ${dir}: ${errorMessage(err)}`),
      }));
      if (made !== planned) {
        journal.cgroup = made.toJSON();
        ctx.store.writeCreateJournal(id, journal);
      }
      ctx.log.step('cgroup resources', () =>
        made.applyResources(spec.linux?.resources, { configDevices: spec.linux?.devices, rootless: ctx.rootless, warn: (m) => ctx.log.warn(m) }));
      return made;
    };
    // The cgroup is made while the init boots (it joins before it hears its config),
    // unless the spawn needs it: the init opens the pids cgroup it joins by itself, or a
    // launcher in a user namespace forks the init, which joins with the launcher.
    const selfJoinsPids = initJoinsPidsItself(spec.linux?.resources?.pids?.limit);
    const early = selfJoinsPids || userNs !== undefined || runningInUserNamespace() ? makeCgroup() : undefined;

    let consoleFd: number | undefined = opts.foreground?.consoleFd;
    if (opts.consoleSocket) {
      const sock = ctx.log.step('console socket connect', () => connectConsoleSocket(resolve(opts.consoleSocket!)));
      fds.push(sock);
      consoleFd = sock;
    }
    const { channel, theirs } = openInitChannel(ctx.log, 'container init');
    fds.push(channel.fd, theirs);

    // The v1 pids cgroup the init joins by itself just before execve, under a small limit.
    const newCgroupNs = plan.namespaces.create.includes('cgroup');
    const selfJoin = selfJoinsPids
      ? ctx.log.step('open pids cgroup', () => openSelfJoin(early!, newCgroupNs))
      : undefined;
    if (selfJoin) fds.push(selfJoin.join, ...(selfJoin.leave !== undefined ? [selfJoin.leave] : []));
    const mappedSources = await openIdmappedSources(linuxSys, plan.mounts);
    fds.push(...mappedSources.values());
    const named: [SlotName, number | undefined][] = [
      ['sync', theirs], ['fifo', fifoFd], ['console', consoleFd], ['pidsJoin', selfJoin?.join], ['pidsLeave', selfJoin?.leave],
      ...[...mappedSources].map(([i, fd]): [SlotName, number] => [`mount:${i}`, fd]),
    ];
    const layout = layoutInitFds(plan.process.terminal ? ['ignore', 'ignore', 'ignore'] : opts.foreground?.stdio ?? [0, 1, 2], preserve, named);

    const pidNs = plan.namespaces.pid;
    // Run in a user namespace (rootless Podman) with none of the container's own: src/runtime/launch/nested-userns.ts.
    const nested = !userNs && runningInUserNamespace() ? nestedUserNamespaceLaunch(pidNs, plan.process.oomScoreAdj) : undefined;
    // In a user namespace, new or joined: a new PID namespace is made inside it by the launcher, not around the spawn by us.
    const forkedInit = (!!userNs && !!pidNs && 'new' in pidNs) || !!nested?.forked;
    if (userNs || nested?.forked) becomeChildSubreaper();
    let userNsPath = userNs?.path;
    if (userNs && userNsPath === undefined) {
      holder = await startUserNamespaceHolder();
      const { pid: holderPid, nsPath } = holder;
      const rootless = euid === 0 ? undefined : { uid: euid, gid: process.getegid!() };
      ctx.log.step('write id maps', () => writeIdMaps(holderPid, userNs, { rootless }));
      userNsPath = nsPath;
    }
    const launcher = nested
      ? nested.launcher
      : initLauncher({ user: userNsPath, join: plan.namespaces.launcherJoin, newPidNamespace: forkedInit, rootless: euid !== 0 });
    const spawn = () => spawnInit({ mode: 'init', args: [layout.arg], stdio: layout.stdio, argv0: 'ocirt-init', launcher });
    child = ctx.log.step('spawn init', () => pidNs && !forkedInit ? withChildPidNamespace(linuxSys, pidNs, spawn) : spawn());
    const init = child;
    const exited = new Promise<void>((res) => init.once('exit', () => res()));
    init.once('error', () => {});
    closeSync(theirs);
    fds.splice(fds.indexOf(theirs), 1);
    let pid = init.pid;
    if (!pid) throw new RuntimeError('unable to start container init');
    /** Records the init in the journal, so that delete can end it if create dies; returns its start time. */
    const journalInit = (initPid: number): string => {
      const initStart = readProcStat(initPid)?.startTime ?? '';
      Object.assign(journal, { pid: initPid, pidStartTime: initStart });
      ctx.store.writeCreateJournal(id, journal);
      return initStart;
    };
    let startTime = journalInit(pid);
    const cg = early ?? makeCgroup();

    const except = selfJoin ? [selfJoin.dir] : [];
    const seccomp = initSeccomp(ctx, plan.seccomp);
    const configFor = (initPid: number): InitConfig => ({
      plan: withInitPid(plan, initPid), noPivot: !!opts.noPivot, noNewKeyring: !!opts.noNewKeyring,
      preserveFds: preserve, listenFds, cgroupPaths: cg === planned ? cg.paths : mountedCgroupPaths(planned.paths, cg.paths), debug: ctx.debug, ...(nested?.oomScoreAdjSet ? { oomScoreAdjSet: true } : {}),
      ...(seccomp.compiled ? { seccomp: seccomp.compiled } : {}),
    });
    let config: InitConfig | undefined;
    // An init whose pid is its own and that needs nothing of us once booted (no user
    // namespace to hand over) is told its config while it boots.
    const spawnedPid = pid;
    const tellEarly = forkedInit || userNs ? undefined : () => {
      const told = configFor(spawnedPid);
      if (sendWhileBooting(channel, { type: 'config', config: told })) config = told;
    };
    await joinCgroupAroundBoot(ctx.log, cg, pid, channel,
      { resources: spec.linux?.resources, frozen: false, except }, 'container init', exited, seccomp.compile, tellEarly);
    if (forkedInit) {
      // The cgroup was joined by the intermediate, which may have forked the init before.
      pid = adopted = await adoptForkedInit(init);
      startTime = journalInit(pid);
      const initPid = pid;
      ctx.log.step('cgroup add container init', () => cg.addProcess(initPid, 'all', except));
    }
    // The init's process keeps the user namespace now.
    await holder?.stop();
    holder = undefined;
    const oomScoreAdj = plan.process.oomScoreAdj;
    if (userNs && oomScoreAdj !== undefined) {
      const initPid = pid;
      ctx.log.step('set oom_score_adj', () => writeOomScoreAdj(initPid, oomScoreAdj));
    }
    const record: ContainerRecord = {
      version: 1, id, bundle, rootfs, pid, pidStartTime: startTime, created: journal.created!, config: spec,
      cgroup: cg.toJSON(), systemdCgroup: ctx.systemdCgroup, rootless: ctx.rootless, owner: process.getuid?.() ?? 0,
      ...(hostMounts ? { hostMounts } : {}),
    };

    if (!config) {
      config = configFor(pid);
      channel.send({ type: 'config', config });
    }
    const initConfig = config;
    const initPid = pid;
    const hooks = () => {
      // The init has unshared its time namespace and started no process: in a user namespace it may not open its own timens_offsets.
      if (userNs && plan.namespaces.create.includes('time')) ctx.log.step('set time offsets', () => writeTimeOffsets(initPid, plan.timeOffsets));
      runCreateHooks(ctx, initConfig.plan);
    };
    await serveInit(channel, ctx.log, { what: 'container init', exited, hooks });

    ctx.log.step('save state', () => ctx.store.write(record));
    ctx.store.removeCreateJournal(id);
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    for (const fd of fds) closeSync(fd);
    fds.length = 0;
    if (!opts.foreground) {
      init.unref();
      // Let the init outlive us: nothing of ours may hold it.
      (init.stdin ?? init.stdout ?? init.stderr)?.destroy();
    }
    lock.release();
    return { record, child: init, ...(adopted !== undefined ? { adopted: true } : {}) };
  } catch (err) {
    for (const fd of fds) {
      try { closeSync(fd); } catch { /* already closed */ }
    }
    if (adopted !== undefined) await killAdopted(adopted);
    await holder?.stop();
    await rollback(ctx, id, child, cgroup, hostMounts);
    // As runc: once the init existed, the container counts as made and destroyed, so poststop runs.
    if (child) runPoststop(ctx, { id, bundle, config: spec } as ContainerRecord);
    lock.release();
    throw err;
  }
}

/** The prestart and createRuntime hooks, which the init asks for once its namespaces and mounts are ready. */
function runCreateHooks(ctx: RuntimeContext, plan: ContainerPlan): void {
  const { prestart, createRuntime } = plan.hooks;
  ctx.log.step('prestart hooks', () => runHooks('prestart', prestart.hooks, prestart.state));
  ctx.log.step('createRuntime hooks', () => runHooks('createRuntime', createRuntime.hooks, createRuntime.state));
}

async function rollback(
  ctx: RuntimeContext, id: string, child: ChildProcess | undefined, cgroup: CgroupManager | undefined, hostMounts: HostMounts | undefined,
): Promise<void> {
  const attempt = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      ctx.log.warn(`cleanup after failed create: ${what}: ${errorMessage(err)}`);
    }
  };
  if (child) await killInit(child);
  if (cgroup) attempt('remove cgroup', () => cgroup.destroy());
  if (hostMounts) attempt('unmount', () => unmountHostMounts(hostMounts, (m) => ctx.log.warn(`cleanup after failed create: ${m}`)));
  attempt('remove state', () => ctx.store.remove(id));
}
