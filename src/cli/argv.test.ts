import t from 'tap';
import { normalizeArgv } from './argv.js';

const values = new Set(['root', 'log', 'log-format', 'bundle', 'b', 'pid-file', 'process', 'p', 'format', 'f']);

t.test('single-dash long flags become double-dash', async (t) => {
  t.same(normalizeArgv(['-root', '/r', 'restore', '-no-subreaper', 'id'], values), ['--root', '/r', 'restore', '--no-subreaper', 'id']);
  t.same(normalizeArgv(['-root=/r', 'state', 'x'], values), ['--root=/r', 'state', 'x']);
  t.same(normalizeArgv(['kill', '-a', 'x', '9'], values), ['kill', '-a', 'x', '9'], 'short flags stay');
});

t.test('flag values are not taken for the command', async (t) => {
  t.same(normalizeArgv(['--root', 'create', 'create', '--bundle', 'b', 'id'], values),
    ['--root', 'create', 'create', '--bundle', 'b', 'id']);
});

t.test('exec args after the id belong to the container', async (t) => {
  t.same(normalizeArgv(['exec', '-t', 'id', 'ls', '-la', '--color'], values), ['exec', '-t', 'id', '--', 'ls', '-la', '--color']);
  t.same(normalizeArgv(['ps', '--format', 'table', 'id', '-ef'], values), ['ps', '--format', 'table', 'id', '--', '-ef']);
});
