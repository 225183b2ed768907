import t from 'tap';
import {
  ioprioClass,
  ioprioClassOf,
  IOPRIO_CLASSES,
  ioprioFromSpec,
  ioprioLevelOf,
  ioprioValue,
  personalityDomain,
  personalityFlag,
  personalityValue,
  SCHED_FLAGS,
  SCHED_POLICIES,
  schedFlag,
  schedFlagsToMask,
  schedPolicy,
} from './process-tables.js';

t.test('personality', async (t) => {
  t.equal(personalityDomain('LINUX'), 0);
  t.equal(personalityDomain('LINUX32'), 8);
  t.throws(() => personalityDomain('linux'), { message: 'unknown personality domain "linux"' });
  t.throws(() => personalityDomain('PER_LINUX'), { message: 'unknown personality domain "PER_LINUX"' });
  t.throws(() => personalityDomain('toString'), { message: 'unknown personality domain "toString"' });
  t.equal(personalityFlag('ADDR_NO_RANDOMIZE'), 0x40000);
  t.equal(personalityFlag('UNAME26'), 0x20000);
  t.equal(personalityFlag('ADDR_LIMIT_3GB'), 0x8000000);
  t.throws(() => personalityFlag('NOPE'), { message: 'unknown personality flag "NOPE"' });
  t.equal(personalityValue('LINUX32'), 8);
  t.equal(personalityValue('LINUX', ['ADDR_NO_RANDOMIZE']), 0x40000);
  t.equal(personalityValue('LINUX32', ['ADDR_NO_RANDOMIZE', 'UNAME26']), 0x60008);
  t.throws(() => personalityValue('LINUX', ['BOGUS']), { message: 'unknown personality flag "BOGUS"' });
});

t.test('ioprio classes and value encoding', async (t) => {
  t.same({ ...IOPRIO_CLASSES }, { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 });
  t.equal(ioprioClass('IOPRIO_CLASS_RT'), 1);
  t.equal(ioprioClass('IOPRIO_CLASS_IDLE'), 3);
  t.throws(() => ioprioClass('IOPRIO_CLASS_NONE'), { message: 'unknown ioprio class "IOPRIO_CLASS_NONE"' },
    'NONE is not a spec class');
  t.throws(() => ioprioClass('RT'), { message: 'unknown ioprio class "RT"' });
  // IOPRIO_PRIO_VALUE(IOPRIO_CLASS_RT, 4) = 8196 (checked with the C macro)
  t.equal(ioprioValue(1, 4), 8196);
  t.equal(ioprioValue(2, 0), 2 << 13);
  t.equal(ioprioValue(3, 7), (3 << 13) | 7);
  t.equal(ioprioFromSpec({ class: 'IOPRIO_CLASS_IDLE', priority: 4 }), (3 << 13) | 4);
  t.equal(ioprioFromSpec({ class: 'IOPRIO_CLASS_BE', priority: 0 }), 0x4000);
  for (const bad of [-1, 8, 1.5, Number.NaN]) {
    t.throws(() => ioprioValue(2, bad), { message: `invalid ioprio priority ${bad}: must be 0 to 7` }, String(bad));
  }
  t.throws(() => ioprioValue(8, 0), { message: 'invalid ioprio class 8' });
  t.throws(() => ioprioFromSpec({ class: 'IOPRIO_CLASS_BE', priority: 9 }));
  for (let cls = 1; cls <= 3; cls++) {
    for (let level = 0; level < 8; level++) {
      const v = ioprioValue(cls, level);
      t.equal(ioprioClassOf(v), cls);
      t.equal(ioprioLevelOf(v), level);
    }
  }
});

t.test('scheduler policies and flags', async (t) => {
  t.same({ ...SCHED_POLICIES }, {
    SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
  });
  t.equal(schedPolicy('SCHED_FIFO'), 1);
  t.equal(schedPolicy('SCHED_DEADLINE'), 6);
  t.throws(() => schedPolicy('SCHED_NORMAL'), { message: 'unknown scheduler policy "SCHED_NORMAL"' },
    'only the spec names');
  t.throws(() => schedPolicy('fifo'), { message: 'unknown scheduler policy "fifo"' });
  t.same({ ...SCHED_FLAGS }, {
    SCHED_FLAG_RESET_ON_FORK: 0x1, SCHED_FLAG_RECLAIM: 0x2, SCHED_FLAG_DL_OVERRUN: 0x4, SCHED_FLAG_KEEP_POLICY: 0x8,
    SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
  });
  t.equal(schedFlag('SCHED_FLAG_RECLAIM'), 2);
  t.throws(() => schedFlag('SCHED_FLAG_ALL'), { message: 'unknown scheduler flag "SCHED_FLAG_ALL"' });
  t.equal(schedFlagsToMask(), 0);
  t.equal(schedFlagsToMask([]), 0);
  t.equal(schedFlagsToMask(['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX']), 0x41);
  t.equal(schedFlagsToMask(Object.keys(SCHED_FLAGS)), 0x7f);
  t.throws(() => schedFlagsToMask(['SCHED_FLAG_RECLAIM', 'X']), { message: 'unknown scheduler flag "X"' });
});
