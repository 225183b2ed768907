/**
 * OCI mount `options` → mount(2) flags, propagation changes, recursive mount_setattr(2)
 * attributes and filesystem data.
 *
 * Semantics follow runc's specconv parseMountOptions (runtime-spec v1.3.0 config.md
 * "Linux mount options"): options are applied left to right, so for a pair like ro/rw
 * the last one wins; anything unrecognised is filesystem-specific data passed to
 * mount(2) as a comma-separated string.
 */
import {
  MOUNT_ATTR__ATIME,
  MOUNT_ATTR_NOATIME,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NODIRATIME,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_NOSYMFOLLOW,
  MOUNT_ATTR_RDONLY,
  MOUNT_ATTR_RELATIME,
  MOUNT_ATTR_STRICTATIME,
  MS_BIND,
  MS_DIRSYNC,
  MS_I_VERSION,
  MS_LAZYTIME,
  MS_MANDLOCK,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_NOSYMFOLLOW,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_REMOUNT,
  MS_SHARED,
  MS_SILENT,
  MS_SLAVE,
  MS_STRICTATIME,
  MS_SYNCHRONOUS,
  MS_UNBINDABLE,
} from '../../ffi/constants.js';

/** An option that sets (`clear: false`) or clears (`clear: true`) a flag. */
interface FlagOption {
  readonly clear: boolean;
  readonly flag: number;
}

/**
 * mount(8) filesystem-independent options → MS_* flags.
 * `defaults` maps to no flag: it only means "none of the non-default options".
 * `acl`/`noacl` are deliberately absent: MS_POSIXACL is kernel-internal, the filesystems
 * that support ACL toggles take them as data (runc issue #3738), so they fall through to data.
 */
const MOUNT_FLAGS: Readonly<Record<string, FlagOption>> = {
  async: { clear: true, flag: MS_SYNCHRONOUS },
  atime: { clear: true, flag: MS_NOATIME },
  bind: { clear: false, flag: MS_BIND },
  defaults: { clear: false, flag: 0 },
  dev: { clear: true, flag: MS_NODEV },
  diratime: { clear: true, flag: MS_NODIRATIME },
  dirsync: { clear: false, flag: MS_DIRSYNC },
  exec: { clear: true, flag: MS_NOEXEC },
  iversion: { clear: false, flag: MS_I_VERSION },
  lazytime: { clear: false, flag: MS_LAZYTIME },
  loud: { clear: true, flag: MS_SILENT },
  mand: { clear: false, flag: MS_MANDLOCK },
  noatime: { clear: false, flag: MS_NOATIME },
  nodev: { clear: false, flag: MS_NODEV },
  nodiratime: { clear: false, flag: MS_NODIRATIME },
  noexec: { clear: false, flag: MS_NOEXEC },
  noiversion: { clear: true, flag: MS_I_VERSION },
  nolazytime: { clear: true, flag: MS_LAZYTIME },
  nomand: { clear: true, flag: MS_MANDLOCK },
  norelatime: { clear: true, flag: MS_RELATIME },
  nostrictatime: { clear: true, flag: MS_STRICTATIME },
  nosuid: { clear: false, flag: MS_NOSUID },
  nosymfollow: { clear: false, flag: MS_NOSYMFOLLOW }, // kernel 5.10
  rbind: { clear: false, flag: MS_BIND | MS_REC },
  relatime: { clear: false, flag: MS_RELATIME },
  remount: { clear: false, flag: MS_REMOUNT },
  ro: { clear: false, flag: MS_RDONLY },
  rw: { clear: true, flag: MS_RDONLY },
  silent: { clear: false, flag: MS_SILENT },
  strictatime: { clear: false, flag: MS_STRICTATIME },
  suid: { clear: true, flag: MS_NOSUID },
  symfollow: { clear: true, flag: MS_NOSYMFOLLOW },
  sync: { clear: false, flag: MS_SYNCHRONOUS },
};

/** Propagation options → the MS_* value of the separate mount(2) call that applies each one. */
const PROPAGATION: Readonly<Record<string, number>> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Recursive ("r"-prefixed) options → MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE), kernel 5.12+. */
const RECURSIVE_ATTRS: Readonly<Record<string, FlagOption>> = {
  rro: { clear: false, flag: MOUNT_ATTR_RDONLY },
  rrw: { clear: true, flag: MOUNT_ATTR_RDONLY },
  rnosuid: { clear: false, flag: MOUNT_ATTR_NOSUID },
  rsuid: { clear: true, flag: MOUNT_ATTR_NOSUID },
  rnodev: { clear: false, flag: MOUNT_ATTR_NODEV },
  rdev: { clear: true, flag: MOUNT_ATTR_NODEV },
  rnoexec: { clear: false, flag: MOUNT_ATTR_NOEXEC },
  rexec: { clear: true, flag: MOUNT_ATTR_NOEXEC },
  rnodiratime: { clear: false, flag: MOUNT_ATTR_NODIRATIME },
  rdiratime: { clear: true, flag: MOUNT_ATTR_NODIRATIME },
  rrelatime: { clear: false, flag: MOUNT_ATTR_RELATIME },
  rnorelatime: { clear: true, flag: MOUNT_ATTR_RELATIME },
  rnoatime: { clear: false, flag: MOUNT_ATTR_NOATIME },
  ratime: { clear: true, flag: MOUNT_ATTR_NOATIME },
  rstrictatime: { clear: false, flag: MOUNT_ATTR_STRICTATIME },
  rnostrictatime: { clear: true, flag: MOUNT_ATTR_STRICTATIME },
  rnosymfollow: { clear: false, flag: MOUNT_ATTR_NOSYMFOLLOW }, // kernel 5.14
  rsymfollow: { clear: true, flag: MOUNT_ATTR_NOSYMFOLLOW },
};

/** Runtime extensions that are not kernel flags. `tmpcopyup`: copy the old contents into a new tmpfs. */
const EXTENSIONS: ReadonlySet<string> = new Set(['tmpcopyup']);

/** Id-mapped mount options (not mount(2) flags): `ridmap` maps the submounts of an rbind too. */
const IDMAP: Readonly<Record<string, boolean>> = { idmap: false, ridmap: true };

const ATIME_ATTRS = [MOUNT_ATTR_RELATIME, MOUNT_ATTR_NOATIME, MOUNT_ATTR_STRICTATIME];

export interface ParsedMountOptions {
  /** MS_* flags to pass to mount(2). Never contains propagation flags. */
  flags: number;
  /** MS_* flags that were explicitly cleared (rw, suid, dev...); a bind remount must drop them. */
  clearFlags: number;
  /** Propagation changes (MS_SHARED, MS_PRIVATE | MS_REC, ...), each a separate mount(2) call, in option order. */
  propagation: number[];
  /** MOUNT_ATTR_* to set recursively with mount_setattr(2). */
  recAttrSet: number;
  /** MOUNT_ATTR_* to clear recursively with mount_setattr(2). */
  recAttrClr: number;
  /** Filesystem-specific options (everything unrecognised), comma-joined, in option order. */
  data: string;
  /** `bind` or `rbind` was given (MS_BIND is in flags). */
  bind: boolean;
  /** `rbind` was given (MS_BIND and MS_REC are in flags). */
  recursiveBind: boolean;
  /** Runtime extensions, e.g. `tmpcopyup`, each once, in first-seen order. */
  extensions: string[];
  /** `idmap` or `ridmap` was given: the mount is id-mapped (mount_setattr(MOUNT_ATTR_IDMAP)). */
  idmap: boolean;
  /** The last of them was `ridmap`: the mapping covers every submount of an rbind (AT_RECURSIVE). */
  recursiveIdmap: boolean;
}

/**
 * Parses an OCI mount's `options`.
 *
 * Differences from runc, all deliberate:
 * - `defaults` is a no-op (runc forwards it as filesystem data, which e.g. tmpfs rejects).
 * - Empty strings are ignored instead of producing empty data items.
 * - Recursive atime options are an enum: setting one replaces any earlier one, and clearing
 *   one (`ratime`, `rnostrictatime`) selects the kernel default (relatime) if that mode was
 *   selected. runc ORs the bits, which makes mount_setattr(2) fail with EINVAL.
 */
export function parseMountOptions(options: readonly string[] | undefined): ParsedMountOptions {
  let flags = 0;
  let clearFlags = 0;
  let recAttrSet = 0;
  let recAttrClr = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const extensions: string[] = [];
  let idmap = false;
  let recursiveIdmap = false;

  for (const option of options ?? []) {
    if (option === '') continue;
    const mountFlag = MOUNT_FLAGS[option];
    if (mountFlag !== undefined) {
      if (mountFlag.clear) {
        flags &= ~mountFlag.flag;
        clearFlags |= mountFlag.flag;
      } else {
        flags |= mountFlag.flag;
        clearFlags &= ~mountFlag.flag;
      }
      continue;
    }
    const prop = PROPAGATION[option];
    if (prop !== undefined) {
      propagation.push(prop);
      continue;
    }
    const attr = RECURSIVE_ATTRS[option];
    if (attr !== undefined) {
      [recAttrSet, recAttrClr] = applyRecursiveAttr(attr, recAttrSet, recAttrClr);
      continue;
    }
    if (EXTENSIONS.has(option)) {
      if (!extensions.includes(option)) extensions.push(option);
      continue;
    }
    const recursive = IDMAP[option];
    if (recursive !== undefined) {
      idmap = true;
      recursiveIdmap = recursive;
      continue;
    }
    data.push(option);
  }

  const bind = (flags & MS_BIND) !== 0;
  return {
    flags,
    clearFlags,
    propagation,
    recAttrSet,
    recAttrClr,
    data: data.join(','),
    bind,
    recursiveBind: bind && (flags & MS_REC) !== 0,
    extensions,
    idmap,
    recursiveIdmap,
  };
}

function applyRecursiveAttr(attr: FlagOption, set: number, clr: number): [number, number] {
  const isAtime = ATIME_ATTRS.includes(attr.flag);
  if (!isAtime) {
    return attr.clear ? [set & ~attr.flag, clr | attr.flag] : [set | attr.flag, clr & ~attr.flag];
  }
  // The atime values are an enum inside MOUNT_ATTR__ATIME: the kernel accepts a new value in
  // attr_set only together with the whole MOUNT_ATTR__ATIME mask in attr_clr (mount_setattr(2)).
  if (!attr.clear) return [(set & ~MOUNT_ATTR__ATIME) | attr.flag, clr | MOUNT_ATTR__ATIME];
  // rnorelatime: relatime is the value 0, there is nothing to clear (same as runc).
  if (attr.flag === MOUNT_ATTR_RELATIME) return [set, clr];
  // ratime / rnostrictatime: leave another selected mode alone, else fall back to relatime.
  if ((set & MOUNT_ATTR__ATIME) === attr.flag || (set & MOUNT_ATTR__ATIME) === 0) {
    return [set & ~MOUNT_ATTR__ATIME, clr | MOUNT_ATTR__ATIME];
  }
  return [set, clr];
}

/** Every option string parseMountOptions understands (for `features`), sorted. */
export const KNOWN_MOUNT_OPTIONS: readonly string[] = Object.freeze(
  [...Object.keys(MOUNT_FLAGS), ...Object.keys(PROPAGATION), ...Object.keys(RECURSIVE_ATTRS), ...EXTENSIONS, ...Object.keys(IDMAP)].sort(),
);

/** The parts of an OCI mount that decide whether it is a bind mount. */
export interface MountLike {
  type?: string | undefined;
  options?: readonly string[] | undefined;
}

/** A bind mount is `type: "bind"` or any mount with a `bind`/`rbind` option (type is then ignored, as in runc). */
export function isBindMount(mount: MountLike): boolean {
  if (mount.type === 'bind') return true;
  return (mount.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}
