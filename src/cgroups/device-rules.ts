/**
 * Device cgroup rules: the list runc programs (the config's `linux.resources.devices`, then runc's default
 * allowed devices) and a small model of the kernel's v1 device controller to know the state a list leads to.
 *
 * The kernel keeps a default (allow or deny everything) and exceptions, each `type major:minor access`. A rule of
 * type `a` resets both; a rule that goes against the default adds an exception (access bits merge into an equal
 * one); a rule that agrees with the default takes bits off the exception with the same type and numbers.
 */
import type { LinuxDeviceCgroup } from '../generated/config.js';
import { CgroupError } from './errors.js';
import { deviceNumbers } from './resource-values.js';

export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'c' | 'b';
  /** -1 for any. */
  major: number;
  minor: number;
  /** Some of r, w, m. */
  access: string;
}

/** runc's AllowedDevices: mknod of anything, the standard /dev nodes, ptys, /dev/ptmx and /dev/net/tun. */
const DEFAULT_RULES: readonly (DeviceRule & { path?: string })[] = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm', path: '/dev/null' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm', path: '/dev/random' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm', path: '/dev/full' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm', path: '/dev/tty' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm', path: '/dev/zero' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm', path: '/dev/urandom' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

/**
 * The rules to program: the config's list in order, then the defaults. A default for a path that the config's
 * `linux.devices` also creates is left out (runc lets the config's node take its place; the config then has
 * to allow it itself).
 */
export function deviceRulesFor(
  configRules: readonly LinuxDeviceCgroup[] | undefined,
  configDevices: readonly { path: string }[] = [],
): DeviceRule[] {
  const rules: DeviceRule[] = (configRules ?? []).map((d, i) => {
    if (!d.access) throw new CgroupError(`device access at ${i} field cannot be empty`);
    return { allow: d.allow, type: d.type ?? 'a', major: d.major ?? -1, minor: d.minor ?? -1, access: d.access };
  });
  const configPaths = new Set(configDevices.map((d) => d.path));
  for (const { path, ...rule } of DEFAULT_RULES) if (path === undefined || !configPaths.has(path)) rules.push(rule);
  return rules;
}

/** `c 1:3 rwm`, the form devices.allow/deny take and devices.list shows. */
export function ruleText(rule: Pick<DeviceRule, 'type' | 'major' | 'minor' | 'access'>): string {
  return `${rule.type} ${deviceNumbers(rule.major, rule.minor)} ${rule.access}`;
}

function canonicalAccess(access: string): string {
  return ['r', 'w', 'm'].filter((c) => access.includes(c)).join('');
}

/** The state of a device cgroup: its default and its exceptions (`type major:minor` → access). */
export class DeviceState {
  defaultAllow: boolean;
  readonly exceptions = new Map<string, string>();

  constructor(defaultAllow: boolean) {
    this.defaultAllow = defaultAllow;
  }

  /** The state a new v1 device cgroup under an allow-all parent ends in after `rules`. */
  static fromRules(rules: readonly DeviceRule[]): DeviceState {
    // runc models a whitelist from the start: a list without an `a` rule denies everything else.
    const state = new DeviceState(false);
    for (const rule of rules) state.apply(rule);
    return state;
  }

  /** Parse `devices.list`: `a *:* rwm` means allow-all (the kernel does not list a blacklist's exceptions). */
  static fromList(text: string): DeviceState {
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    if (lines.some((l) => l.startsWith('a '))) return new DeviceState(true);
    const state = new DeviceState(false);
    for (const line of lines) {
      const [type, numbers, access] = line.split(/\s+/);
      if (type !== undefined && numbers !== undefined) state.exceptions.set(`${type} ${numbers}`, canonicalAccess(access ?? ''));
    }
    return state;
  }

  apply(rule: DeviceRule): void {
    if (rule.type === 'a') {
      this.defaultAllow = rule.allow;
      this.exceptions.clear();
      return;
    }
    const key = `${rule.type} ${deviceNumbers(rule.major, rule.minor)}`;
    const old = this.exceptions.get(key) ?? '';
    if (rule.allow !== this.defaultAllow) {
      this.exceptions.set(key, canonicalAccess(old + rule.access));
    } else if (old !== '') {
      const left = [...old].filter((c) => !rule.access.includes(c)).join('');
      if (left === '') this.exceptions.delete(key);
      else this.exceptions.set(key, left);
    }
  }

  /** The exceptions as rule texts, sorted as runc writes them (major, minor, then type; `*` first). */
  exceptionTexts(): string[] {
    const num = (n: string): number => (n === '*' ? -1 : Number(n));
    const sortKey = (key: string): [string, number, number] => {
      const [type, numbers] = key.split(' ');
      const [major, minor] = (numbers ?? '').split(':');
      return [type ?? '', num(major ?? '*'), num(minor ?? '*')];
    };
    return [...this.exceptions]
      .sort(([a], [b]) => {
        const [ta, ma, na] = sortKey(a);
        const [tb, mb, nb] = sortKey(b);
        return ma - mb || na - nb || (ta < tb ? -1 : ta > tb ? 1 : 0);
      })
      .map(([key, access]) => `${key} ${access}`);
  }

  /** Same default and, for a whitelist, the same exceptions (a blacklist's cannot be read back). */
  sameAs(other: DeviceState): boolean {
    if (this.defaultAllow !== other.defaultAllow) return false;
    if (this.defaultAllow) return true;
    if (this.exceptions.size !== other.exceptions.size) return false;
    for (const [key, access] of this.exceptions) if (other.exceptions.get(key) !== access) return false;
    return true;
  }
}
