import t from 'tap';
import { parseProcStat, readProcStat, isSameLiveProcess } from './procfs.js';

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
