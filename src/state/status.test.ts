import t from 'tap';
import { deriveStatus, type StatusProbe } from './status.js';
import type { ContainerRecord } from './record.js';

const rec = { pid: 42, pidStartTime: '7' } as ContainerRecord;
const probe = (alive: boolean, fifo: boolean, frozen: boolean): StatusProbe => ({
  alive: () => alive, fifoExists: () => fifo, frozen: () => frozen,
});

t.test('status comes from live state', async (t) => {
  t.equal(deriveStatus(rec, '/f', probe(false, true, true)), 'stopped');
  t.equal(deriveStatus(rec, '/f', probe(true, false, true)), 'paused');
  t.equal(deriveStatus(rec, '/f', probe(true, true, false)), 'created');
  t.equal(deriveStatus(rec, '/f', probe(true, false, false)), 'running');
});

t.test('the live freezer check reads the saved cgroup freezer, as the cgroup manager does', async (t) => {
  const { liveProbe } = await import('./status.js');
  const { loadCgroupManager } = await import('../cgroups/index.js');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = t.testdir();
  const v1 = join(dir, 'freezer/c1');
  const v2 = join(dir, 'unified/c1');
  mkdirSync(v1, { recursive: true });
  mkdirSync(v2, { recursive: true });
  const record = (cgroup: unknown) => ({ ...rec, cgroup }) as ContainerRecord;
  const cases: [string, unknown, () => void][] = [
    ['v1 frozen', { version: 1, mode: 'legacy', paths: { freezer: v1 } }, () => writeFileSync(join(v1, 'freezer.state'), 'FROZEN\n')],
    ['v1 freezing', { version: 1, mode: 'legacy', paths: { freezer: v1 } }, () => writeFileSync(join(v1, 'freezer.state'), 'FREEZING\n')],
    ['v1 thawed', { version: 1, mode: 'legacy', paths: { freezer: v1 } }, () => writeFileSync(join(v1, 'freezer.state'), 'THAWED\n')],
    ['v1 garbage', { version: 1, mode: 'legacy', paths: { freezer: v1 } }, () => writeFileSync(join(v1, 'freezer.state'), 'odd\n')],
    ['v2 asked', { version: 1, mode: 'unified', paths: { '': v2 } }, () => { writeFileSync(join(v2, 'cgroup.freeze'), '1\n'); writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 0\n'); }],
    ['v2 frozen', { version: 1, mode: 'unified', paths: { '': v2 } }, () => { writeFileSync(join(v2, 'cgroup.freeze'), '0\n'); writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 1\n'); }],
    ['v2 thawed', { version: 1, mode: 'unified', paths: { '': v2 } }, () => { writeFileSync(join(v2, 'cgroup.freeze'), '0\n'); writeFileSync(join(v2, 'cgroup.events'), 'populated 1\nfrozen 0\n'); }],
    ['hybrid: the v1 freezer wins', { version: 1, mode: 'hybrid', paths: { freezer: v1, '': v2 } }, () => writeFileSync(join(v1, 'freezer.state'), 'THAWED\n')],
    ['gone', { version: 1, mode: 'unified', paths: { '': join(dir, 'gone') } }, () => {}],
    ['no freezer', { version: 1, mode: 'legacy', paths: { cpu: v1 } }, () => {}],
    ['unclean path', { version: 1, mode: 'legacy', paths: { freezer: `${v1}/../c1` } }, () => writeFileSync(join(v1, 'freezer.state'), 'FROZEN\n')],
    ['unknown form', { version: 2, mode: 'legacy', paths: { freezer: v1 } }, () => {}],
    ['not an object', null, () => {}],
  ];
  for (const [name, cgroup, prepare] of cases) {
    prepare();
    let expected: boolean;
    try {
      expected = loadCgroupManager(cgroup).isFrozen();
    } catch {
      expected = false;
    }
    t.equal(liveProbe.frozen(record(cgroup)), expected, `${name}: ${expected}`);
  }
});
