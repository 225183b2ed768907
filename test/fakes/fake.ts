// A recording Sys for unit tests: every call is logged with its arguments, and a
// test can make the n-th call of a method fail with a given errno.
import { SyscallError } from '../../src/errors.js';
import type { CapSets, Sys } from '../../src/syscall/sys.js';
import { errnoNumber } from '../../ffi/errno.js';

export interface Call { name: keyof Sys; args: unknown[] }

type Failure = { name: keyof Sys; code: string; when?: (args: unknown[]) => boolean; times: number };

export class FakeSys implements Sys {
  readonly calls: Call[] = [];
  private failures: Failure[] = [];
  caps: CapSets = { effective: (1n << 41n) - 1n, permitted: (1n << 41n) - 1n, inheritable: 0n };
  mask = 0o022;

  /** Makes the next `times` calls of `name` (matching `when`, if given) throw `code`. */
  failOn(name: keyof Sys, code: string, when?: (args: unknown[]) => boolean, times = 1): this {
    this.failures.push({ name, code, when, times });
    return this;
  }

  /** The calls of one method, as argument lists. */
  of(name: keyof Sys): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  private record(name: keyof Sys, args: unknown[], target = String(args[0] ?? '')): void {
    this.calls.push({ name, args });
    const f = this.failures.find((x) => x.name === name && x.times > 0 && (!x.when || x.when(args)));
    if (f) {
      f.times--;
      throw new SyscallError(name, target, errnoNumber(f.code) ?? 0, f.code);
    }
  }

  mount(...a: Parameters<Sys['mount']>) { this.record('mount', a, `${a[0] ?? a[2]} on ${a[1]}`); }
  umount2(...a: Parameters<Sys['umount2']>) { this.record('umount2', a); }
  mountSetattr(...a: Parameters<Sys['mountSetattr']>) { this.record('mountSetattr', a); }
  /** The fd the next openTree returns (then counts up). */
  nextFd = 100;
  openTree(...a: Parameters<Sys['openTree']>) { this.record('openTree', a); return this.nextFd++; }
  setMountIdmap(...a: Parameters<Sys['setMountIdmap']>) { this.record('setMountIdmap', a, a[3]); }
  moveMount(...a: Parameters<Sys['moveMount']>) { this.record('moveMount', a, a[1]); }
  pivotRoot(...a: Parameters<Sys['pivotRoot']>) { this.record('pivotRoot', a); }
  chroot(...a: Parameters<Sys['chroot']>) { this.record('chroot', a); }
  chdir(...a: Parameters<Sys['chdir']>) { this.record('chdir', a); this.cwd = a[0]; }
  /** What getcwd answers (by default the last chdir's path). */
  cwd = '/';
  getcwd() { this.record('getcwd', [], '.'); return this.cwd; }
  mknod(...a: Parameters<Sys['mknod']>) { this.record('mknod', a); }
  /** What statfs answers per path (unset paths: type 0, no flags). */
  statfsResults = new Map<string, { type: number; flags: number }>();
  statfs(path: string) { this.record('statfs', [path]); return this.statfsResults.get(path) ?? { type: 0, flags: 0 }; }
  lchown(...a: Parameters<Sys['lchown']>) { this.record('lchown', a); }
  unshare(...a: Parameters<Sys['unshare']>) { this.record('unshare', a); }
  setns(...a: Parameters<Sys['setns']>) { this.record('setns', a, a[2]); }
  sethostname(...a: Parameters<Sys['sethostname']>) { this.record('sethostname', a); }
  setdomainname(...a: Parameters<Sys['setdomainname']>) { this.record('setdomainname', a); }
  joinSessionKeyring(...a: Parameters<Sys['joinSessionKeyring']>) { this.record('joinSessionKeyring', a); }
  loopbackUp() { this.record('loopbackUp', [], 'lo'); }
  namespaceType(...a: Parameters<Sys['namespaceType']>) { this.record('namespaceType', a, a[1]); return 0; }
  joinCgroup(...a: Parameters<Sys['joinCgroup']>) { this.record('joinCgroup', a, a[1]); }
  prctl(...a: Parameters<Sys['prctl']>) { this.record('prctl', a); return 0; }
  setrlimit(...a: Parameters<Sys['setrlimit']>) { this.record('setrlimit', a, a[3]); }
  setgroups(...a: Parameters<Sys['setgroups']>) { this.record('setgroups', a); }
  setresgid(...a: Parameters<Sys['setresgid']>) { this.record('setresgid', a); }
  setresuid(...a: Parameters<Sys['setresuid']>) { this.record('setresuid', a); }
  capset(sets: CapSets) { this.record('capset', [sets], ''); this.caps = sets; }
  capget(): CapSets { this.record('capget', []); return this.caps; }
  personality(...a: Parameters<Sys['personality']>) { this.record('personality', a); }
  ioprioSet(...a: Parameters<Sys['ioprioSet']>) { this.record('ioprioSet', a); }
  schedSetattr(...a: Parameters<Sys['schedSetattr']>) { this.record('schedSetattr', a); }
  umask(mask: number) { this.record('umask', [mask]); const old = this.mask; this.mask = mask; return old; }
  setsid() { this.record('setsid', []); }
  setCloexec(...a: Parameters<Sys['setCloexec']>) { this.record('setCloexec', a); }
  cloexecFrom(...a: Parameters<Sys['cloexecFrom']>) { this.record('cloexecFrom', a); }
  dup3(...a: Parameters<Sys['dup3']>) { this.record('dup3', a); }
  fchown(...a: Parameters<Sys['fchown']>) { this.record('fchown', a, `fd ${a[0]}`); }
  setctty(...a: Parameters<Sys['setctty']>) { this.record('setctty', a, `fd ${a[0]}`); }
  loadSeccomp(...a: Parameters<Sys['loadSeccomp']>) { this.record('loadSeccomp', a, 'seccomp filter'); }
  resetSignals(...a: Parameters<Sys['resetSignals']>) { this.record('resetSignals', a, a[0].join(',')); }
  execve(...a: Parameters<Sys['execve']>): never {
    this.record('execve', a);
    throw new ExecveCalled(a[0], a[1], a[2]);
  }
}

/** Thrown by FakeSys.execve so a test can see what would have been executed. */
export class ExecveCalled extends Error {
  constructor(readonly path: string, readonly argv: string[], readonly env: string[]) {
    super(`execve ${path}`);
  }
}
