/**
 * Which freezer a container's cgroup uses, from its layout and saved paths alone: v1's `freezer` hierarchy on a
 * v1-only host, the cgroup2 directory (`''`) on a unified one, and on a hybrid one the v1 freezer, or cgroup2 when
 * no v1 freezer is mounted. It loads only the freezer files' readers, so deriving a container's status does not
 * load the cgroup manager.
 */
import type { CgroupFs } from './cgroup-fs.js';
import type { CgroupMode } from './layout.js';
import { readV1FreezerState, setV1Frozen } from './v1/freezer.js';
import { isV2Frozen, setV2Frozen } from './v2/freezer.js';

/** One freezer directory, v1 (`freezer.state`) or v2 (`cgroup.freeze`). */
export interface CgroupFreezer {
  /** Frozen or being frozen. */
  isFrozen(): boolean;
  /** Freeze or thaw, waiting until the kernel agrees. */
  setFrozen(frozen: boolean): void;
}

/** The freezer for these cgroup paths (controller or `''` → directory), or undefined when none is in use. */
export function freezerFor(
  fs: CgroupFs, mode: CgroupMode, paths: Readonly<Record<string, string>>,
): CgroupFreezer | undefined {
  const v1 = mode === 'unified' ? undefined : paths.freezer;
  if (v1 !== undefined) {
    return {
      isFrozen: () => readV1FreezerState(fs, v1) !== 'THAWED',
      setFrozen: (frozen) => setV1Frozen(fs, v1, frozen),
    };
  }
  const v2 = mode === 'legacy' ? undefined : paths[''];
  if (v2 !== undefined) {
    return {
      isFrozen: () => isV2Frozen(fs, v2),
      setFrozen: (frozen) => setV2Frozen(fs, v2, frozen),
    };
  }
  return undefined;
}
