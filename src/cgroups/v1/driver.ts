/**
 * The cgroupfs driver of a v1-only host (runc's `fs`): one directory per hierarchy, the `memory` one accounts
 * memory, the v1 `freezer` pauses, and stats and limits go to each controller's own directory.
 */
import { CgroupfsDriver } from '../cgroupfs-driver.js';
import type { CgroupMode } from '../layout.js';
import { type ApplyResourcesOptions, applyV1Resources } from '../resources.js';
import type { LinuxResources } from '../resource-values.js';
import type { CgroupStats } from '../stats.js';
import { readV1OomKillCount, readV1Stats } from './stats.js';

export class V1Driver extends CgroupfsDriver {
  readonly mode: CgroupMode = 'legacy';

  protected accountsMemory(keys: readonly string[]): boolean {
    return keys.includes('memory');
  }

  applyResources(resources: LinuxResources | undefined, options: ApplyResourcesOptions = {}): void {
    applyV1Resources(this.fs, this.paths, resources, options);
  }

  /** The pids directory, unless it is co-mounted with memory (then the runtime moves the init there). */
  ownPidsDirectory(): string | undefined {
    const dir = this.path('pids');
    if (dir === undefined) return undefined;
    return this.directories().get(dir)!.includes('memory') ? undefined : dir;
  }

  /** Over once the directory is removed, as runc's v1 events learn it. */
  hasEnded(): boolean {
    return !this.exists();
  }

  stats(): CgroupStats {
    return readV1Stats(this.fs, this.paths);
  }

  oomKillCount(): bigint | undefined {
    const dir = this.path('memory');
    return dir === undefined ? undefined : readV1OomKillCount(this.fs, dir);
  }
}
