/**
 * cgroup v1 devices: program the rule list (see device-rules.ts) into `devices.allow`/`devices.deny`.
 *
 * When the cgroup already is in the wanted state (an `update`, which re-applies the same list), nothing is
 * written, so running processes never see a moment of deny-all. Otherwise the cgroup is reset with an `a` rule
 * to the wanted default and the exceptions are added; then devices.list is read back and must match, as runc
 * checks (exactly for a whitelist; only the default for a blacklist, whose exceptions the kernel does not list).
 */
import type { CgroupFs } from '../cgroup-fs.js';
import { CgroupError } from '../errors.js';
import { readCgroupFile, writeCgroupFile } from '../files.js';
import { type DeviceRule, DeviceState } from '../device-rules.js';

export function applyV1Devices(fs: CgroupFs, dir: string, rules: readonly DeviceRule[]): void {
  const target = DeviceState.fromRules(rules);
  const current = DeviceState.fromList(readCgroupFile(fs, dir, 'devices.list'));
  if (current.sameAs(target) && (!target.defaultAllow || target.exceptions.size === 0)) return;
  writeCgroupFile(fs, dir, target.defaultAllow ? 'devices.allow' : 'devices.deny', 'a *:* rwm');
  const file = target.defaultAllow ? 'devices.deny' : 'devices.allow';
  for (const text of target.exceptionTexts()) writeCgroupFile(fs, dir, file, text);
  const after = DeviceState.fromList(readCgroupFile(fs, dir, 'devices.list'));
  if (!after.sameAs(target)) {
    throw new CgroupError(
      target.defaultAllow
        ? `${dir}: resulting devices cgroup doesn't match target mode`
        : `${dir}: resulting devices cgroup doesn't precisely match target`,
    );
  }
}
