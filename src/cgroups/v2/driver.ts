/**
 * The cgroupfs driver of a unified (cgroup2-only) host (runc's `fs2`): the one directory `''` holds every
 * controller, its `cgroup.freeze` pauses, and stats and limits are all read and written there.
 */
import { CgroupfsDriver } from '../cgroupfs-driver.js';
import { CgroupError } from '../errors.js';
import type { CgroupMode } from '../layout.js';
import { type ApplyResourcesOptions, applyV2Resources } from '../resources.js';
import type { LinuxResources } from '../resource-values.js';
import type { CgroupStats } from '../stats.js';
import { readV2OomKillCount, readV2Stats } from './stats.js';

export class V2Driver extends CgroupfsDriver {
  readonly mode: CgroupMode = 'unified';

  protected accountsMemory(keys: readonly string[]): boolean {
    return keys.includes('');
  }

  applyResources(resources: LinuxResources | undefined, options: ApplyResourcesOptions = {}): void {
    applyV2Resources(this.fs, this.path(''), resources, options);
  }

  /** None: one directory holds pids and memory, and the runtime moves the init into it. */
  ownPidsDirectory(): undefined {
    return undefined;
  }

  /** Over once no process is left (cgroup.events unpopulated, which runc's v2 events wait for). */
  hasEnded(): boolean {
    return this.pids().length === 0;
  }

  stats(): CgroupStats {
    const dir = this.path('');
    if (dir === undefined) throw new CgroupError('no cgroup2 directory in use');
    return readV2Stats(this.fs, dir);
  }

  oomKillCount(): bigint | undefined {
    const dir = this.path('');
    return dir === undefined ? undefined : readV2OomKillCount(this.fs, dir);
  }
}
