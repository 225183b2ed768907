// The device nodes of the container's /dev: the defaults every container gets
// (runtime-spec config-linux.md "Default Devices") and `linux.devices`, resolved.
import { S_IFBLK, S_IFCHR, S_IFIFO } from '../../ffi/constants.js';
import type { LinuxDevice, Spec } from '../generated/config.js';
import { containerPath } from '../rootfs/secure-path.js';
import type { PlanIssues } from './issues.js';
import type { DevicePlan, DevicesPlan, MountPlan } from './types.js';

/** The devices every container gets. */
export const DEFAULT_DEVICES: readonly DevicePlan[] = Object.freeze([
  { path: '/dev/null', type: 'c', typeBits: S_IFCHR, major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', typeBits: S_IFCHR, major: 1, minor: 5, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', typeBits: S_IFCHR, major: 1, minor: 7, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', typeBits: S_IFCHR, major: 1, minor: 8, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', typeBits: S_IFCHR, major: 1, minor: 9, mode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', typeBits: S_IFCHR, major: 5, minor: 0, mode: 0o666, uid: 0, gid: 0 },
]);

const TYPE_BITS: Readonly<Record<string, number>> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/**
 * /dev is ours to populate unless a mount binds one from the host (runc needsSetupDev);
 * the defaults come first unless the config lists the same path, /dev/ptmx is always
 * the devpts one.
 */
export function planDevices(spec: Spec, mounts: readonly MountPlan[], bindOnly: boolean, issues: PlanIssues): DevicesPlan {
  const configured: DevicePlan[] = [];
  spec.linux?.devices?.forEach((d, i) => {
    const device = planDevice(d, issues, ['linux', 'devices', i]);
    if (device) configured.push(device);
  });
  const listed = new Set(configured.map((d) => d.path));
  const all = [...DEFAULT_DEVICES.filter((d) => !listed.has(d.path)), ...configured];
  return {
    setup: !mounts.some((m) => m.bind && m.destination === '/dev'),
    bindOnly,
    devices: all.filter((d) => d.path !== '/dev/ptmx'),
  };
}

function planDevice(d: LinuxDevice, issues: PlanIssues, at: (string | number)[]): DevicePlan | undefined {
  const typeBits = TYPE_BITS[d.type];
  if (typeBits === undefined) {
    issues.add([...at, 'type'], `${d.type} is not a valid device type for device ${d.path}`);
    return undefined;
  }
  return {
    path: containerPath(d.path),
    type: d.type,
    typeBits,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    mode: (d.fileMode ?? 0o666) & 0o7777,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  };
}
