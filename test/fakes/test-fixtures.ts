/** mountinfo and /proc/self/cgroup texts for the three layouts, and a fake cgroupfs built from them (tests only). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path/posix';

import { FakeCgroupFs, type FakeHierarchyKind } from './fake-cgroupfs.js';
import { type CgroupLayout, detectCgroupLayout, isCgroupWithin } from '../../src/cgroups/layout.js';

/** This project's machine, as read from /proc/self/mountinfo (cgroup lines and a few others). */
export const HYBRID_MOUNTINFO = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

export const HYBRID_SELF = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/abc
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;

/**
 * A typical systemd v1 host: co-mounted controllers, a named hierarchy that is not systemd's, a comment-free
 * mount point with an escaped space outside /sys/fs/cgroup, the runtime inside a service's cgroup.
 */
export const LEGACY_MOUNTINFO = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
27 26 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd
29 26 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
30 26 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset
31 26 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,net_cls,net_prio
32 26 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
33 26 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,freezer
34 26 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
35 26 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,devices
36 30 0:34 / /mnt/my\\040cgroups rw,relatime - cgroup mine rw,name=mine
`;

export const LEGACY_SELF = `11:name=mine:/
9:devices:/system.slice/engine.service
8:pids:/system.slice/engine.service
7:freezer:/
6:memory:/system.slice/engine.service
5:net_cls,net_prio:/
4:cpuset:/
3:cpu,cpuacct:/system.slice/engine.service
1:name=systemd:/system.slice/engine.service
0::/system.slice/engine.service
`;

export const UNIFIED_MOUNTINFO = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

export const UNIFIED_SELF = `0::/user.slice/user-1000.slice/session-3.scope
`;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ocirt-${prefix}-`));
}

function kindOf(controllers: string[], version: 1 | 2): FakeHierarchyKind {
  if (version === 2) return 'v2';
  if (controllers.includes('cpuset')) return 'cpuset';
  if (controllers.includes('freezer')) return 'freezer';
  return 'plain';
}

/**
 * A fake cgroupfs under `root` with every hierarchy of the layout and the runtime's own cgroups in them
 * (made with the fake's mkdir, so they have their control files; cpuset values are filled as the kernel would).
 */
export function fakeTree(
  root: string,
  mountinfo: string,
  selfCgroup: string,
): { fs: FakeCgroupFs; layout: CgroupLayout } {
  const layout = detectCgroupLayout({ root, mountinfo, selfCgroup });
  const fake = new FakeCgroupFs();
  for (const h of layout.hierarchies) {
    fake.addHierarchy(h.mountPoint, kindOf(h.controllers, h.version));
    if (!isCgroupWithin(h.ownCgroup, h.mountRoot)) continue;
    let dir = h.mountPoint;
    for (const part of path
      .relative(h.mountRoot, h.ownCgroup)
      .split('/')
      .filter((p) => p !== '')) {
      dir = path.join(dir, part);
      fake.mkdir(dir, 0o755);
      if (h.controllers.includes('cpuset')) {
        fake.writeFile(path.join(dir, 'cpuset.cpus'), '0-3');
        fake.writeFile(path.join(dir, 'cpuset.mems'), '0');
      }
    }
  }
  fake.calls.length = 0;
  return { fs: fake, layout };
}
