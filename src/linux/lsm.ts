// Which Linux security modules the host runs: the runtime reports them (features) and
// checks a config against them, and the init sets an exec label only when its module is on.
import { existsSync, readFileSync } from 'node:fs';

/** AppArmor is on when securityfs has it and the module parameter says Y (runc's check). */
export function apparmorEnabled(sysfs = '/sys'): boolean {
  if (!existsSync(`${sysfs}/kernel/security/apparmor`)) return false;
  try {
    return readFileSync(`${sysfs}/module/apparmor/parameters/enabled`, 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

export function selinuxEnabled(sysfs = '/sys'): boolean {
  return existsSync(`${sysfs}/fs/selinux/enforce`);
}
