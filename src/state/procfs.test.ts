import t from 'tap';
import { hasBegunToExit, parseProcStat, readProcStat, isSameLiveProcess } from './procfs.js';

t.test('parses stat with spaces and parentheses in comm', async (t) => {
  const text = '1234 (my (odd) prog) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 0';
  const st = parseProcStat(text);
  t.equal(st.pid, 1234);
  t.equal(st.comm, 'my (odd) prog');
  t.equal(st.state, 'S');
  t.equal(st.ppid, 1);
  t.equal(st.startTime, '987654');
});

t.test('our own process is alive with its start time, not with another', async (t) => {
  const st = readProcStat(process.pid);
  t.ok(st);
  t.ok(isSameLiveProcess(process.pid, st!.startTime));
  t.notOk(isSameLiveProcess(process.pid, String(Number(st!.startTime) + 1)), 'pid reuse is detected');
  t.notOk(isSameLiveProcess(0, st!.startTime));
  t.notOk(isSameLiveProcess(2 ** 22 + 5, '1'), 'a pid that does not exist');
});

t.test('a process has begun to exit when gone, a zombie, reused, or flagged exiting', async (t) => {
  const proc = t.testdir({
    '10': { stat: '10 (sh) S 1 10 10 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0' },
    '11': { stat: '11 (sh) S 1 11 11 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0' },
    '12': { stat: '12 (sh) Z 1 12 12 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0' },
  });
  t.equal(parseProcStat('11 (sh) S 1 11 11 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 500').flags, 4194564);
  t.notOk(hasBegunToExit(10, '500', proc), 'alive');
  t.ok(hasBegunToExit(11, '500', proc), 'PF_EXITING: an init waiting for its namespace to empty');
  t.ok(hasBegunToExit(12, '500', proc), 'a zombie');
  t.ok(hasBegunToExit(10, '501', proc), 'another process with the pid');
  t.ok(hasBegunToExit(13, '500', proc), 'gone');
  t.notOk(hasBegunToExit(process.pid, readProcStat(process.pid)!.startTime), 'ourselves');
});
