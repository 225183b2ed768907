// The runtime-spec features document (`ocirt features`): what this runtime
// implements, so engines can tell before they ask.
import { apparmorEnabled, selinuxEnabled } from '../process/attributes.js';
import { KNOWN_MOUNT_OPTIONS } from '../linux/mount-options.js';
import { ALL_CAPABILITIES } from '../linux/capabilities.js';
import { OCI_VERSION } from './oci-state.js';
import { packageVersion } from '../cli/version.js';

export function features(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: [...KNOWN_MOUNT_OPTIONS].filter((o) => o !== 'idmap' && o !== 'ridmap').sort(),
    linux: {
      // User namespaces are not implemented yet, so they are not listed.
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'uts'],
      capabilities: [...ALL_CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      apparmor: { enabled: apparmorEnabled() },
      selinux: { enabled: selinuxEnabled() },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: {
      'org.opencontainers.ocirt.version': packageVersion(),
    },
  };
}
