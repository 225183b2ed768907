import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIDS_ROOM_FOR_INIT, execInitJoinsPidsItself, initJoinsPidsItself } from './self-join.js';

t.test('a container init joins pids by itself only under a limit below the room it needs', async (t) => {
  t.equal(initJoinsPidsItself(undefined), false, 'no limit');
  t.equal(initJoinsPidsItself(0), false, '0: no limit');
  t.equal(initJoinsPidsItself(-1), false, '-1: no limit');
  t.equal(initJoinsPidsItself(1), true);
  t.equal(initJoinsPidsItself(PIDS_ROOM_FOR_INIT - 1), true);
  t.equal(initJoinsPidsItself(PIDS_ROOM_FOR_INIT), false);
});

t.test('an exec init joins pids by itself unless the cgroup has no limit or room beside its tasks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocirt-pids-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cgroup = (max: string, current: string) => {
    writeFileSync(join(dir, 'pids.max'), `${max}\n`);
    writeFileSync(join(dir, 'pids.current'), `${current}\n`);
    return dir;
  };
  t.equal(execInitJoinsPidsItself(cgroup('max', '500')), false, 'no limit');
  t.equal(execInitJoinsPidsItself(cgroup('100', '36')), false, `room for ${PIDS_ROOM_FOR_INIT}`);
  t.equal(execInitJoinsPidsItself(cgroup('100', '37')), true, 'less room');
  t.equal(execInitJoinsPidsItself(cgroup('5', '0')), true, 'a small limit');
  rmSync(join(dir, 'pids.current'));
  t.equal(execInitJoinsPidsItself(dir), true, 'unreadable: counted as full');
  t.equal(execInitJoinsPidsItself(join(dir, 'missing')), true, 'no cgroup: counted as full');
});
