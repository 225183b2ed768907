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
