/**
 * Integration test of the cgroup v2 device filter on this machine (needs root; fails without it, never skips).
 *
 * The host is hybrid, but /sys/fs/cgroup/unified is a real cgroup2 hierarchy: device programs attach to any
 * cgroup2 directory and the kernel runs them in addition to the v1 devices controller. A shell joins a fresh
 * cgroup2 directory whose filter allows only /dev/null (and mknod of it), probes devices, then probes again
 * after the filter is replaced by one that also allows /dev/zero.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path/posix';
import { createInterface } from 'node:readline';

import t, { type Test } from 'tap';

import { bpfProgAttach, bpfProgQuery } from '../../../ffi/bpf.js';
import { BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI } from '../../../ffi/constants.js';
import { nodeCgroupFs } from '../cgroup-fs.js';
import { sleepSync } from '../../sleep.js';
import { type DeviceRule, deviceRulesFor } from '../device-rules.js';
import { deviceFilterBytes } from './device-filter.js';
import { attachedDeviceFilters, detachDeviceFilters, loadDeviceFilter, replaceDeviceFilter } from './device-filter-attach.js';
import { applyV2Devices } from './devices.js';

const UNIFIED = '/sys/fs/cgroup/unified';

const DENY_ALL: DeviceRule = { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' };
const NULL_ONLY: DeviceRule[] = [DENY_ALL, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }];
const NULL_AND_ZERO: DeviceRule[] = [...NULL_ONLY, { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }];

/** A fresh cgroup2 directory, emptied of programs and removed at teardown. */
function tempCgroup(t: Test): string {
  const dir = fs.mkdtempSync(path.join(UNIFIED, 'ocirt-devfilter-'));
  t.teardown(() => {
    detachDeviceFilters(dir);
    // The last member may take a moment to leave after its exit has been seen.
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || i >= 50) throw err;
        sleepSync(20);
      }
    }
  });
  return dir;
}

function withProgramFd<T>(rules: DeviceRule[], fn: (fd: number) => T): T {
  const fd = loadDeviceFilter(deviceFilterBytes(rules));
  try {
    return fn(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// The shell joins the cgroup, runs each probe as `name status stderr`, prints `ready`, waits for a line on
// stdin, and probes again. `$1` is the cgroup directory, `$2` a scratch directory for mknod.
const SCRIPT = `
echo $$ > "$1/cgroup.procs" || exit 90
probe() { name=$1; shift; err=$("$@" 2>&1 >/dev/null); echo "$name $? $err"; }
round() {
  probe read-null head -c 1 /dev/null
  probe write-null sh -c 'echo x > /dev/null'
  probe read-zero head -c 1 /dev/zero
  probe mknod-null mknod "$2/null-$3" c 1 3
  probe mknod-zero mknod "$2/zero-$3" c 1 5
}
round "$1" "$2" 1
echo ready
read line
round "$1" "$2" 2
`;

interface Probe { status: number; error: string }

t.test('a shell in a filtered cgroup2 directory: /dev/null only, then /dev/zero too after the update', async (t) => {
  const dir = tempCgroup(t);
  const scratch = fs.mkdtempSync('/tmp/ocirt-devfilter-');
  t.teardown(() => fs.rmSync(scratch, { recursive: true, force: true }));

  replaceDeviceFilter(dir, deviceFilterBytes(NULL_ONLY)); // before any process joins, as on create
  const first = attachedDeviceFilters(dir);
  t.equal(first.length, 1, 'one program attached');

  const child = spawn('/bin/sh', ['-c', SCRIPT, 'sh', dir, scratch], { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  const rounds: Map<string, Probe>[] = [new Map()];
  const lines = createInterface({ input: child.stdout! });
  let ready: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  lines.on('line', (line) => {
    if (line === 'ready') {
      rounds.push(new Map());
      ready();
      return;
    }
    const [name, status, ...error] = line.split(' ');
    rounds[rounds.length - 1]!.set(name!, { status: Number(status), error: error.join(' ') });
  });

  await readyPromise;
  t.equal(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim(), String(child.pid), 'the shell is in the cgroup');
  const before = rounds[0]!;
  t.same(before.get('read-null'), { status: 0, error: '' }, 'reading /dev/null works');
  t.same(before.get('write-null'), { status: 0, error: '' }, 'writing /dev/null works');
  t.equal(before.get('read-zero')?.status, 1, 'opening /dev/zero fails');
  t.match(before.get('read-zero')?.error, /cannot open '\/dev\/zero' for reading: Operation not permitted/, '... with EPERM');
  t.same(before.get('mknod-null'), { status: 0, error: '' }, 'mknod of c 1:3 is allowed');
  t.equal(before.get('mknod-zero')?.status, 1, 'mknod of c 1:5 is refused');
  t.match(before.get('mknod-zero')?.error, /Operation not permitted/, '... with EPERM');
  t.notOk(fs.existsSync(path.join(scratch, 'zero-1')));

  // update: the new program takes the old one's place while the shell stays in the cgroup
  applyV2Devices(nodeCgroupFs, dir, NULL_AND_ZERO);
  const second = attachedDeviceFilters(dir);
  t.equal(second.length, 1, 'still only one program attached (BPF_PROG_QUERY)');
  t.not(second[0], first[0], 'and it is the new one');

  child.stdin!.end('go\n');
  t.equal(await exited, 0, 'the shell finished');
  const after = rounds[1]!;
  t.same(after.get('read-zero'), { status: 0, error: '' }, '/dev/zero opens after the update');
  t.same(after.get('mknod-zero'), { status: 0, error: '' }, 'mknod of c 1:5 is allowed after the update');
  t.same(after.get('read-null'), { status: 0, error: '' });
  t.equal(fs.statSync(path.join(scratch, 'zero-2')).rdev, (1 << 8) | 5, 'the node made is c 1:5');
});

t.test('the verifier accepts the programs of the engine rule lists', async (t) => {
  const lists: [string, DeviceRule[]][] = [
    ['runc defaults alone', deviceRulesFor(undefined)],
    ['deny-all config + defaults', deviceRulesFor([{ allow: false, access: 'rwm' }])],
    ['allow-all config + defaults', deviceRulesFor([{ allow: true, access: 'rwm' }])],
    ['a long list', deviceRulesFor([
      { allow: false, access: 'rwm' },
      ...Array.from({ length: 300 }, (_, i) => ({ allow: true, type: (i % 2 ? 'b' : 'c') as 'b' | 'c', major: 200 + (i % 40), minor: i, access: 'rw' })),
    ])],
    ['a blacklist', [{ ...DENY_ALL, allow: true }, { allow: false, type: 'c', major: 1, minor: -1, access: 'w' }]],
  ];
  for (const [name, rules] of lists) {
    t.doesNotThrow(() => withProgramFd(rules, (fd) => t.ok(fd > 2, `${name}: loaded`)), name);
  }
});

t.test('replacing detaches every old program, whichever way they were attached', async (t) => {
  const multi = tempCgroup(t);
  withProgramFd(NULL_ONLY, (a) => withProgramFd(NULL_AND_ZERO, (b) => {
    const fd = fs.openSync(multi, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      bpfProgAttach(fd, a, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
      bpfProgAttach(fd, b, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
      t.equal(bpfProgQuery(fd, BPF_CGROUP_DEVICE).attachFlags, BPF_F_ALLOW_MULTI);
    } finally {
      fs.closeSync(fd);
    }
  }));
  const old = attachedDeviceFilters(multi);
  t.equal(old.length, 2);
  replaceDeviceFilter(multi, deviceFilterBytes(NULL_ONLY));
  const now = attachedDeviceFilters(multi);
  t.equal(now.length, 1, 'two old programs (multi) → one');
  t.notOk(old.includes(now[0]!));

  const single = tempCgroup(t);
  withProgramFd(NULL_ONLY, (a) => {
    const fd = fs.openSync(single, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      bpfProgAttach(fd, a, BPF_CGROUP_DEVICE, 0);
      t.equal(bpfProgQuery(fd, BPF_CGROUP_DEVICE).attachFlags, 0);
    } finally {
      fs.closeSync(fd);
    }
  });
  const oldSingle = attachedDeviceFilters(single);
  replaceDeviceFilter(single, deviceFilterBytes(NULL_AND_ZERO));
  const nowSingle = attachedDeviceFilters(single);
  t.equal(nowSingle.length, 1, 'an old program attached without multi → the new one');
  t.not(nowSingle[0], oldSingle[0]);
});

t.test('errors name the bpf command, the directory and the errno', async (t) => {
  const plain = fs.mkdtempSync('/tmp/ocirt-devfilter-');
  t.teardown(() => fs.rmdirSync(plain));
  t.throws(() => replaceDeviceFilter(plain, deviceFilterBytes(NULL_ONLY)), { message: `bpf BPF_PROG_QUERY ${plain}: EBADF (bad file descriptor)` });
  t.throws(() => replaceDeviceFilter(path.join(UNIFIED, 'ocirt-no-such-dir'), deviceFilterBytes(NULL_ONLY)), {
    message: `open ${UNIFIED}/ocirt-no-such-dir: ENOENT`,
  });
  // a program the verifier refuses: it reads past the end of struct bpf_cgroup_dev_ctx
  const bad = Buffer.from('6112' + '0c00' + '00000000' + 'b400000001000000' + '9500000000000000', 'hex');
  t.throws(() => loadDeviceFilter(bad), { message: /^bpf BPF_PROG_LOAD: EACCES \(permission denied\); verifier log:\n[\s\S]*invalid bpf_context access off=12/ });
});
