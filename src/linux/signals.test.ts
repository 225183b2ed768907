import t from 'tap';
import { constants } from 'node:os';
import { parseSignal, SIGNALS, SIGRTMAX, SIGRTMIN, signalName } from './signals.js';

t.test('standard signals match the numbers Node was built with', async (t) => {
  const node = constants.signals as Record<string, number | undefined>;
  for (const [name, n] of Object.entries(SIGNALS)) {
    t.equal(node[name], n, name);
  }
  // every Node signal (incl. aliases) parses to Node's number
  for (const [name, n] of Object.entries(node)) {
    if (n === undefined || name === 'SIGUNUSED') continue;
    t.equal(parseSignal(name), n, `parse ${name}`);
  }
  t.equal(Object.keys(SIGNALS).length, 31);
  t.ok(Object.isFrozen(SIGNALS));
});

t.test('decimal numbers are used as is (strconv.Atoi)', async (t) => {
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('15'), 15);
  t.equal(parseSignal('0'), 0);
  t.equal(parseSignal('64'), 64);
  t.equal(parseSignal('99'), 99, 'no range check, like runc');
  t.equal(parseSignal('+3'), 3);
  t.equal(parseSignal('-3'), -3);
  t.equal(parseSignal('009'), 9);
  t.throws(() => parseSignal(' 9'), { message: 'unknown signal " 9"' });
  t.throws(() => parseSignal('9x'), { message: 'unknown signal "9x"' });
  t.throws(() => parseSignal('0x9'), { message: 'unknown signal "0x9"' });
  t.throws(() => parseSignal('1e3'), { message: 'unknown signal "1e3"' });
  t.throws(() => parseSignal('99999999999999999999'), { message: 'unknown signal "99999999999999999999"' });
});

t.test('names: case-insensitive, SIG prefix optional', async (t) => {
  for (const s of ['KILL', 'kill', 'SIGKILL', 'sigkill', 'SigKill', 'Kill']) {
    t.equal(parseSignal(s), 9, s);
  }
  t.equal(parseSignal('term'), 15);
  t.equal(parseSignal('SIGTERM'), 15);
  t.equal(parseSignal('hup'), 1);
  t.equal(parseSignal('usr1'), 10);
  t.equal(parseSignal('SIGUSR2'), 12);
  t.equal(parseSignal('winch'), 28);
  t.equal(parseSignal('chld'), 17);
  t.equal(parseSignal('stkflt'), 16);
  t.equal(parseSignal('sys'), 31);
  t.equal(parseSignal('iot'), 6, 'glibc alias');
  t.equal(parseSignal('cld'), 17, 'glibc alias');
  t.equal(parseSignal('poll'), 29, 'glibc alias');
});

t.test('unknown names', async (t) => {
  for (const s of ['', 'SIG', 'FOO', 'SIGFOO', 'SIG KILL', 'SIGSIGKILL', 'TOSTRING', 'constructor', '__proto__', 'KILL ']) {
    t.throws(() => parseSignal(s), { message: `unknown signal ${JSON.stringify(s)}` }, JSON.stringify(s));
  }
});

t.test('real-time signals in kill -l spelling', async (t) => {
  t.equal(SIGRTMIN, 34);
  t.equal(SIGRTMAX, 64);
  t.equal(parseSignal('SIGRTMIN'), 34);
  t.equal(parseSignal('rtmin'), 34);
  t.equal(parseSignal('SIGRTMIN+3'), 37);
  t.equal(parseSignal('rtmin+3'), 37);
  t.equal(parseSignal('SIGRTMIN+0'), 34);
  t.equal(parseSignal('SIGRTMIN+30'), 64);
  t.equal(parseSignal('SIGRTMAX'), 64);
  t.equal(parseSignal('SIGRTMAX-1'), 63);
  t.equal(parseSignal('rtmax-30'), 34);
  for (const s of ['SIGRTMIN+31', 'SIGRTMAX-31', 'SIGRTMIN-1', 'SIGRTMAX+1', 'SIGRTMIN+', 'SIGRTMIN+x', 'SIGRT', 'SIGRTMID']) {
    t.throws(() => parseSignal(s), { message: `unknown signal ${JSON.stringify(s)}` }, s);
  }
});

t.test('signalName', async (t) => {
  for (const [name, n] of Object.entries(SIGNALS)) {
    t.equal(signalName(n), name, name);
  }
  t.equal(signalName(6), 'SIGABRT', 'canonical name, not SIGIOT');
  t.equal(signalName(17), 'SIGCHLD');
  t.equal(signalName(29), 'SIGIO');
  // `kill -l` on Linux/glibc: 34) SIGRTMIN ... 49) SIGRTMIN+15 50) SIGRTMAX-14 ... 64) SIGRTMAX
  t.equal(signalName(34), 'SIGRTMIN');
  t.equal(signalName(35), 'SIGRTMIN+1');
  t.equal(signalName(49), 'SIGRTMIN+15');
  t.equal(signalName(50), 'SIGRTMAX-14');
  t.equal(signalName(63), 'SIGRTMAX-1');
  t.equal(signalName(64), 'SIGRTMAX');
  for (const n of [0, 32, 33, 65, -1, 2.5]) t.equal(signalName(n), undefined, String(n));
  for (let n = 1; n <= 64; n++) {
    const name = signalName(n);
    if (name !== undefined) t.equal(parseSignal(name), n, `round trip ${name}`);
  }
});
