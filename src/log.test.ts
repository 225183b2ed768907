import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, localZoneIsUtc, rfc3339 } from './log.js';

t.test('rfc3339 has seconds and a zone', async (t) => {
  t.match(rfc3339(new Date('2026-08-19T10:11:12.345Z')), /^2026-08-19T\d\d:11:12(Z|[+-]\d\d:\d\d)$/);
});

t.test('json lines: sorted keys, appended, html-escaped like Go', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ocirt-log-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  const path = join(d, 'log.json');
  const a = new Logger({ path, format: 'json' });
  a.error('container does not exist');
  a.close();
  const b = new Logger({ path, format: 'json', debug: true });
  b.debug('step <a> & b', { duration: '1ms' });
  b.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  t.equal(lines.length, 2);
  const first = JSON.parse(lines[0]!);
  t.same(Object.keys(first), ['level', 'msg', 'time']);
  t.equal(first.level, 'error');
  t.equal(first.msg, 'container does not exist');
  t.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  t.match(lines[1], /"msg":"step \\u003ca\\u003e \\u0026 b"/);
  t.same(Object.keys(JSON.parse(lines[1]!)), ['duration', 'level', 'msg', 'time']);
});

t.test('debug lines are dropped unless --debug', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ocirt-log-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  const path = join(d, 'log');
  const l = new Logger({ path, format: 'text' });
  l.debug('hidden');
  l.step('also hidden', () => 1);
  l.info('shown');
  l.close();
  const text = readFileSync(path, 'utf8');
  t.match(text, /^time="[^"]+" level=info msg="shown"\n$/);
});

t.test('the local zone is found UTC without the engine\'s time-zone lookup', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ocirt-tz-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  const link = (target: string) => {
    const p = join(d, `localtime-${Math.random().toString(36).slice(2)}`);
    symlinkSync(target, p);
    return p;
  };
  t.equal(localZoneIsUtc({ TZ: '' }), true, 'TZ empty is UTC');
  t.equal(localZoneIsUtc({ TZ: 'UTC' }), true);
  t.equal(localZoneIsUtc({ TZ: ':Etc/UTC' }), true);
  t.equal(localZoneIsUtc({ TZ: 'Europe/Paris' }), false);
  t.equal(localZoneIsUtc({}, join(d, 'missing')), true, 'no /etc/localtime: UTC, as in Go');
  t.equal(localZoneIsUtc({}, link('/usr/share/zoneinfo/Etc/UTC')), true);
  t.equal(localZoneIsUtc({}, link('/usr/share/zoneinfo/Zulu')), true);
  t.equal(localZoneIsUtc({}, link('/usr/share/zoneinfo/America/New_York')), false);
  const file = join(d, 'a-file');
  writeFileSync(file, 'TZif');
  t.equal(localZoneIsUtc({}, file), false, 'a copied zone file is read by the engine');
});
