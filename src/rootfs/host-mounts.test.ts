import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containerMounts, snapshotHostMounts } from './host-mounts.js';

const line = (id: number, parent: number, mountPoint: string) => `${id} ${parent} 0:1 / ${mountPoint} rw - tmpfs tmpfs rw`;

t.test('the container\'s mounts are those under the rootfs that were not there before, deepest and top-most first', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostmounts-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const rootfs = fs.realpathSync(dir);
  const before = [line(1, 0, '/'), line(20, 1, rootfs), line(21, 20, `${rootfs}/data`), line(22, 1, `${rootfs}x`)].join('\n');
  const h = snapshotHostMounts(dir, before);
  t.same(h, { rootfs, preexisting: [20, 21] }, 'the rootfs\'s own mount (an overlay) and what was under it');
  const after = [
    before,
    line(30, 20, rootfs), // the rootfs bind, on top of the overlay
    line(31, 30, `${rootfs}/proc`),
    line(32, 30, `${rootfs}/dev`),
    line(33, 32, `${rootfs}/dev/pts`),
    line(34, 1, `${rootfs}x/y`), // a sibling path, not ours
    line(35, 30, `${rootfs}/a\\040b`),
  ].join('\n');
  t.same(containerMounts(h, after).map((m) => m.mountPoint), [
    `${rootfs}/dev/pts`, `${rootfs}/proc`, `${rootfs}/a b`, `${rootfs}/dev`, rootfs,
  ]);
});
