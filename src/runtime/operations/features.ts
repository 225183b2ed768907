// The runtime-spec features document (`ocirt features`): what this runtime
// implements, so engines can tell before they ask.
import { apparmorEnabled, selinuxEnabled } from '../../linux/lsm.js';
import { KNOWN_MOUNT_OPTIONS } from '../../linux/mount-options.js';
import { ALL_CAPABILITIES } from '../../linux/capabilities.js';
import { OCI_VERSION } from '../../oci-version.js';
import { packageVersion } from '../../cli/version.js';
import { KNOWN_SECCOMP_FLAGS, SECCOMP_ACTIONS, SECCOMP_OPERATORS, seccompArchitectures, supportedSeccompFlags } from '../../process/seccomp.js';
import { libseccomp } from '../../../ffi/seccomp.js';

/** linux.seccomp of the features document; disabled when libseccomp cannot be loaded. */
function seccompFeatures(): { features: object; version?: string } {
  try {
    const v = libseccomp.version();
    return {
      features: {
        enabled: true,
        // SCMP_ACT_NOTIFY is left out: the listener fd handoff is not implemented.
        actions: [...SECCOMP_ACTIONS].sort(),
        operators: [...SECCOMP_OPERATORS],
        archs: seccompArchitectures(),
        knownFlags: [...KNOWN_SECCOMP_FLAGS],
        supportedFlags: supportedSeccompFlags(),
      },
      version: `${v.major}.${v.minor}.${v.micro}`,
    };
  } catch {
    return { features: { enabled: false } };
  }
}

export function features(): object {
  const seccomp = seccompFeatures();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...KNOWN_MOUNT_OPTIONS],
    linux: {
      // Every type, new or joined by path; a new user namespace (with its maps) also for a runtime not run as root (rootless).
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...ALL_CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      apparmor: { enabled: apparmorEnabled() },
      selinux: { enabled: selinuxEnabled() },
      // Bind mounts only, for a runtime run as root (runc 1.2 has the same limits).
      mountExtensions: { idmap: { enabled: true } },
      seccomp: seccomp.features,
    },
    annotations: {
      'org.opencontainers.ocirt.version': packageVersion(),
      ...(seccomp.version ? { 'io.github.seccomp.libseccomp.version': seccomp.version } : {}),
    },
  };
}
