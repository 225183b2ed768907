// Helper for src/rootfs/real.test.ts, run as root in a fresh mount namespace
// (`unshare --mount --fork node real-helper.js CONFIG`): really prepares, enters and
// finalizes a rootfs with linuxSys, then reports what it sees from inside as JSON on
// stdout. Everything it needs is loaded before pivot_root: host paths are gone after.
import * as fs from 'node:fs';
import { TIOCGPTN, TIOCSPTLCK } from '../../ffi/constants.js';
import { getcwd, ioctl } from '../../ffi/libc.js';
import { linuxSys } from '../../src/syscall/linux.js';
import { bindConsole, enterRootfs, finalizeRootfs, prepareRootfs } from '../../src/rootfs/index.js';
import type { ContainerPlan } from '../../src/plan/types.js';

export interface HelperConfig {
  plan: ContainerPlan;
  cgroupPaths: Record<string, string>;
  noPivot: boolean;
  /** Paths to lstat from inside (mode, rdev, uid, link target). */
  inspect: string[];
  /** A file to try to create from inside (to see EROFS). */
  writeProbe: string;
}

export interface Inspected {
  kind: string;
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  link?: string;
  size: number;
}

export interface HelperReport {
  steps: string[];
  mountinfo: string;
  cwd: string;
  rootEntries: string[];
  inspected: Record<string, Inspected | string>;
  writeProbe: string;
  consoleSlave?: string;
  maskedRead: Record<string, string>;
}

function kindOf(st: fs.Stats): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isDirectory()) return 'dir';
  if (st.isFIFO()) return 'fifo';
  return st.isFile() ? 'file' : 'other';
}

function inspect(p: string): Inspected | string {
  try {
    const st = fs.lstatSync(p);
    const rdev = st.rdev;
    return {
      kind: kindOf(st),
      mode: st.mode & 0o7777,
      major: Math.floor(rdev / 256) & 0xfff,
      minor: rdev & 0xff,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      ...(st.isSymbolicLink() ? { link: fs.readlinkSync(p) } : {}),
    };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

/** A new pty from the container's /dev/ptmx: returns its slave path. */
function openPtySlave(): string {
  const master = fs.openSync('/dev/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  ioctl(master, TIOCSPTLCK, Buffer.alloc(4), 'unlockpt');
  const n = Buffer.alloc(4);
  ioctl(master, TIOCGPTN, n, 'ptsname');
  return `/dev/pts/${n.readUInt32LE(0)}`;
}

function main(): void {
  const config = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as HelperConfig;
  const steps: string[] = [];
  const step = <T>(name: string, fn: () => T): T => {
    steps.push(name);
    return fn();
  };
  const { plan } = config;
  prepareRootfs(linuxSys, { plan, cgroupPaths: config.cgroupPaths, step });
  enterRootfs(linuxSys, { rootfs: plan.root.path, noPivot: config.noPivot, step });
  let consoleSlave: string | undefined;
  if (plan.process.terminal) {
    consoleSlave = openPtySlave();
    bindConsole(linuxSys, { rootfs: '/', ptySlavePath: consoleSlave });
  }
  finalizeRootfs(linuxSys, { plan, step });

  let writeProbe = 'written';
  try {
    fs.writeFileSync(config.writeProbe, 'x');
  } catch (err) {
    writeProbe = (err as NodeJS.ErrnoException).code ?? String(err);
  }
  const maskedRead: Record<string, string> = {};
  for (const p of plan.maskedPaths) {
    try {
      const st = fs.statSync(p);
      maskedRead[p] = st.isDirectory() ? `dir:${fs.readdirSync(p).join(',')}` : `file:${fs.readFileSync(p, 'utf8')}`;
    } catch (err) {
      maskedRead[p] = (err as NodeJS.ErrnoException).code ?? String(err);
    }
  }
  const report: HelperReport = {
    steps,
    mountinfo: fs.readFileSync('/proc/self/mountinfo', 'utf8'),
    cwd: getcwd(),
    rootEntries: fs.readdirSync('/').sort(),
    inspected: Object.fromEntries(config.inspect.map((p) => [p, inspect(p)])),
    writeProbe,
    ...(consoleSlave ? { consoleSlave } : {}),
    maskedRead,
  };
  fs.writeSync(1, JSON.stringify(report));
}

try {
  main();
} catch (err) {
  fs.writeSync(2, `real-helper: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
