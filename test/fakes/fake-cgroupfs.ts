/**
 * A fake cgroupfs on a temp dir, for unit tests: it behaves like the kernel where a plain directory tree would
 * not. mkdir creates the hierarchy's control files; writing a pid to `cgroup.procs` moves it there from its old
 * cgroup; rmdir ignores control files but refuses (EBUSY) a cgroup with processes or child cgroups; a v1 cpuset
 * with empty cpus/mems refuses tasks (ENOSPC); the freezers settle at once. Failures can be injected per call.
 */
import * as fs from 'node:fs';
import * as path from 'node:path/posix';

import type { CgroupFs } from '../../src/cgroups/cgroup-fs.js';

export type FakeHierarchyKind = 'v2' | 'cpuset' | 'freezer' | 'plain';

type Op = 'mkdir' | 'rmdir' | 'readFile' | 'writeFile' | 'subdirectories';

function fsErr(code: string, op: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: fake cgroupfs, ${op} '${file}'`), { code });
}

function controlFiles(kind: FakeHierarchyKind, isRoot: boolean): Record<string, string> {
  const files: Record<string, string> = { 'cgroup.procs': '' };
  if (kind === 'v2' && !isRoot)
    Object.assign(files, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 0\nfrozen 0\n' });
  if (kind === 'cpuset')
    Object.assign(files, { 'cpuset.cpus': isRoot ? '0-3\n' : '\n', 'cpuset.mems': isRoot ? '0\n' : '\n' });
  if (kind === 'freezer' && !isRoot) files['freezer.state'] = 'THAWED\n';
  return files;
}

export class FakeCgroupFs implements CgroupFs {
  readonly #hierarchies = new Map<string, FakeHierarchyKind>();
  readonly #failures: { op: Op; file: string; code: string; times: number }[] = [];
  /** Every call made, as `op path`. */
  readonly calls: string[] = [];

  /** Make the root directory of a hierarchy (its mount point) with its control files. */
  addHierarchy(mountPoint: string, kind: FakeHierarchyKind): void {
    fs.mkdirSync(mountPoint, { recursive: true });
    this.#hierarchies.set(mountPoint, kind);
    for (const [name, content] of Object.entries(controlFiles(kind, true)))
      fs.writeFileSync(path.join(mountPoint, name), content);
  }

  /** Make the next `times` calls of `op` on `file` fail with `code`. */
  failOn(op: Op, file: string, code: string, times = 1): void {
    this.#failures.push({ op, file, code, times });
  }

  #check(op: Op, file: string): void {
    this.calls.push(`${op} ${file}`);
    const failure = this.#failures.find((f) => f.op === op && f.file === file && f.times > 0);
    if (failure !== undefined) {
      failure.times--;
      throw fsErr(failure.code, op, file);
    }
  }

  #hierarchyOf(dir: string): { mountPoint: string; kind: FakeHierarchyKind } | undefined {
    for (const [mountPoint, kind] of this.#hierarchies) {
      if (dir === mountPoint || dir.startsWith(`${mountPoint}/`)) return { mountPoint, kind };
    }
    return undefined;
  }

  mkdir(dir: string, mode: number): void {
    this.#check('mkdir', dir);
    fs.mkdirSync(dir, { mode });
    const hierarchy = this.#hierarchyOf(dir);
    if (hierarchy === undefined) return;
    for (const [name, content] of Object.entries(controlFiles(hierarchy.kind, false)))
      fs.writeFileSync(path.join(dir, name), content);
  }

  rmdir(dir: string): void {
    this.#check('rmdir', dir);
    if (this.#hierarchyOf(dir) === undefined || !fs.existsSync(dir)) {
      fs.rmdirSync(dir);
      return;
    }
    if (this.subdirectories(dir).length > 0) throw fsErr('EBUSY', 'rmdir', dir);
    if (fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() !== '') throw fsErr('EBUSY', 'rmdir', dir);
    for (const entry of fs.readdirSync(dir)) fs.unlinkSync(path.join(dir, entry));
    fs.rmdirSync(dir);
  }

  readFile(file: string): string {
    this.#check('readFile', file);
    return fs.readFileSync(file, 'utf8');
  }

  writeFile(file: string, data: string): void {
    this.#check('writeFile', file);
    if (!fs.existsSync(file)) throw fsErr('ENOENT', 'open', file);
    const dir = path.dirname(file);
    const hierarchy = this.#hierarchyOf(dir);
    switch (path.basename(file)) {
      case 'cgroup.procs':
        if (hierarchy !== undefined) this.#movePid(hierarchy, dir, data.trim());
        return;
      case 'freezer.state':
        fs.writeFileSync(file, `${data.trim()}\n`);
        return;
      case 'cgroup.freeze':
        fs.writeFileSync(file, `${data.trim()}\n`);
        fs.writeFileSync(path.join(dir, 'cgroup.events'), `populated 0\nfrozen ${data.trim()}\n`);
        return;
      default:
        fs.writeFileSync(file, data);
    }
  }

  #movePid(hierarchy: { mountPoint: string; kind: FakeHierarchyKind }, dir: string, pid: string): void {
    if (!/^[1-9][0-9]*$/.test(pid)) throw fsErr('EINVAL', 'write', path.join(dir, 'cgroup.procs'));
    if (hierarchy.kind === 'cpuset') {
      const empty = ['cpuset.cpus', 'cpuset.mems'].some(
        (f) => fs.readFileSync(path.join(dir, f), 'utf8').trim() === '',
      );
      if (empty) throw fsErr('ENOSPC', 'write', path.join(dir, 'cgroup.procs'));
    }
    const visit = (current: string): void => {
      const procs = path.join(current, 'cgroup.procs');
      const others = fs
        .readFileSync(procs, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && line !== pid);
      fs.writeFileSync(procs, [...others, ...(current === dir ? [pid] : [])].map((p) => `${p}\n`).join(''));
      for (const child of this.subdirectories(current)) visit(path.join(current, child));
    };
    visit(hierarchy.mountPoint);
  }

  subdirectories(dir: string): string[] {
    this.#check('subdirectories', dir);
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  }

  isDirectory(dir: string): boolean {
    try {
      return fs.statSync(dir).isDirectory();
    } catch {
      return false;
    }
  }
}
