/**
 * The cgroupfs driver of a hybrid host: v1 hierarchies plus a cgroup2 mount that only holds membership. As
 * runc's `fs` driver there, limits, stats and memory accounting are v1's; the cgroup2 freezer serves only when
 * no v1 freezer is mounted (freezer.ts).
 */
import type { CgroupMode } from '../layout.js';
import { V1Driver } from '../v1/driver.js';

export class HybridDriver extends V1Driver {
  override readonly mode: CgroupMode = 'hybrid';
}
