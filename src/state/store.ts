// Container state under --root: one directory per container holding state.json
// (written to a temp file, fsynced and renamed) and, between create and start,
// exec.fifo. Every command that acts on a container holds an exclusive flock on its
// directory (lock.ts), so concurrent commands on one container serialise; `state` and
// `list` only read and take none, so they never load the lock's code, which makes its
// syscall through Koffi.
import {
  closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, fstatSync,
  writeSync, constants as fsc,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RuntimeError, NotFoundError, UnreadableStateError, fromNodeError, describeErrno } from '../errors.js';
import { asCreateJournal, recordProblem, type ContainerRecord, type CreateJournal } from './record.js';
import type { ContainerLock } from './lock.js';

export type { ContainerLock };

const ID_RE = /^[A-Za-z0-9_+.-]+$/;

/** runc's rule: [A-Za-z0-9_+.-]+ and a clean single path element. */
export function validateId(id: string): void {
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new RuntimeError(`invalid container ID format: ${id}`);
}

export const STATE_FILE = 'state.json';
/** Prefix of a directory being created ('~' is not allowed in ids, so it is never listed as a container). */
const CREATING = '~creating~';
export const EXEC_FIFO = 'exec.fifo';
/** What a create in progress has made so far, for `delete` to undo if the create is killed. */
export const CREATE_JOURNAL = 'create.json';

export class StateStore {
  readonly root: string;
  #rootChecked = false;

  constructor(root: string) {
    if (resolve(root) === '/') throw new RuntimeError('Option --root argument should not be set to /');
    this.root = resolve(root);
  }

  dir(id: string): string {
    validateId(id);
    this.#checkRoot();
    return join(this.root, id);
  }

  /**
   * A root (or one of its parents) that exists but is no directory gets runc's message, which names it,
   * from every command: runc makes the root (MkdirAll) before anything else. We only look: a command
   * that merely reads does not create the root.
   */
  #checkRoot(): void {
    if (this.#rootChecked) return;
    for (let p = this.root; ; p = dirname(p)) {
      let st;
      try {
        st = statSync(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // look further up for what is in the way
        throw fromNodeError(err, 'stat', p);
      }
      if (!st.isDirectory()) throw new RuntimeError(`mkdir ${p}: not a directory`);
      break;
    }
    this.#rootChecked = true;
  }

  fifoPath(id: string): string {
    return join(this.dir(id), EXEC_FIFO);
  }

  exists(id: string): boolean {
    const dir = this.dir(id);
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Makes the container's directory; fails if the id is taken. Returns a held lock. The directory is made under
   * a name that is no valid id, locked, and only then renamed into place (never over anything), so no other
   * command ever finds it unlocked and takes it for the leftover of an aborted create.
   */
  async createLocked(id: string, journal?: CreateJournal): Promise<ContainerLock> {
    const dir = this.dir(id);
    const [{ ContainerLock }, { renameNoReplace }] = await Promise.all([import('./lock.js'), import('../../ffi/libc.js')]);
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw fromNodeError(err, 'mkdir', this.root);
    }
    this.#sweepAbandonedCreates();
    const tmp = join(this.root, `${CREATING}${process.pid}~${Math.random().toString(36).slice(2, 10)}`);
    try {
      mkdirSync(tmp, { mode: 0o711 });
    } catch (err) {
      throw fromNodeError(err, 'mkdir', tmp);
    }
    let lock: ContainerLock | undefined;
    try {
      lock = ContainerLock.acquire(tmp);
      // The journal is there from the first moment the directory has its name: `state` tells by it a
      // create in progress from a directory that is no container.
      if (journal) writeJournal(tmp, journal);
      renameNoReplace(tmp, dir);
    } catch (err) {
      lock?.release();
      rmSync(tmp, { recursive: true, force: true });
      if ((err as { code?: string }).code === 'EEXIST') throw new RuntimeError('container with given ID already exists');
      throw err;
    }
    return lock.movedTo(dir);
  }

  /** Directories of creates whose runtime died between mkdir and rename. */
  #sweepAbandonedCreates(): void {
    for (const name of readdirSync(this.root)) {
      if (!name.startsWith(CREATING)) continue;
      const pid = Number(name.slice(CREATING.length).split('~')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !existsSync(`/proc/${pid}`)) {
        rmSync(join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  /** Locks an existing container; NotFoundError when there is none (or it was deleted while we waited). */
  async lock(id: string): Promise<ContainerLock> {
    const dir = this.dir(id);
    const { ContainerLock } = await import('./lock.js');
    let lock: ContainerLock;
    try {
      lock = ContainerLock.acquire(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as { code?: string }).code === 'ENOENT') throw new NotFoundError();
      throw err;
    }
    if (lock.removed()) {
      lock.release();
      throw new NotFoundError();
    }
    return lock;
  }

  /** The container's record: NotFoundError when it has none (yet), UnreadableStateError when it is not ours. */
  read(id: string): ContainerRecord {
    const file = join(this.dir(id), STATE_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError();
      throw new UnreadableStateError(file, code ? `open: ${describeErrno(code)}` : String(err));
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UnreadableStateError(file, 'not valid JSON');
    }
    const problem = recordProblem(value);
    if (problem) throw new UnreadableStateError(file, `not an ocirt container state: ${problem}`);
    if ((value as ContainerRecord).id !== id) {
      throw new UnreadableStateError(file, `holds container ${JSON.stringify((value as ContainerRecord).id)}, not ${JSON.stringify(id)}`);
    }
    return value as ContainerRecord;
  }

  /** Atomic replace: a reader sees the old or the new state, never half of one. */
  write(record: ContainerRecord): void {
    const dir = this.dir(record.id);
    const tmp = join(dir, `.${STATE_FILE}.${process.pid}`);
    writeFileAtomic(tmp, join(dir, STATE_FILE), JSON.stringify(record));
  }

  /** Records (atomically) what an unfinished create has made; state.json supersedes it. */
  writeCreateJournal(id: string, journal: CreateJournal): void {
    writeJournal(this.dir(id), journal);
  }

  /** The journal of a create in progress or interrupted, if any. */
  readCreateJournal(id: string): CreateJournal | undefined {
    try {
      return asCreateJournal(JSON.parse(readFileSync(join(this.dir(id), CREATE_JOURNAL), 'utf8')));
    } catch {
      return undefined; // none, or torn: nothing was recorded yet
    }
  }

  removeCreateJournal(id: string): void {
    rmSync(join(this.dir(id), CREATE_JOURNAL), { force: true });
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Ids of every container directory under the root (sorted). */
  list(): string[] {
    this.#checkRoot();
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fromNodeError(err, 'open', this.root);
    }
    return names.filter((n) => ID_RE.test(n) && n !== '.' && n !== '..' && this.exists(n)).sort();
  }
}

function writeJournal(dir: string, journal: CreateJournal): void {
  writeFileAtomic(join(dir, `.${CREATE_JOURNAL}.${process.pid}`), join(dir, CREATE_JOURNAL), JSON.stringify(journal));
}

/** Writes `data` to `tmp`, fsyncs it and renames it over `target`. */
export function writeFileAtomic(tmp: string, target: string, data: string, mode = 0o644): void {
  let fd: number;
  try {
    fd = openSync(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY | fsc.O_TRUNC, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      rmSync(tmp, { force: true });
      fd = openSync(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY | fsc.O_TRUNC, mode);
    } else {
      throw fromNodeError(err, 'open', tmp);
    }
  }
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fromNodeError(err, 'rename', target);
  }
}
