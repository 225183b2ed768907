import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { bindConsole } from './dev-console.js';
import { makeHost } from '../../test/fakes/test-helpers.js';

// The positive case (a real pty slave) needs a pty; real.test.ts covers it as root.

t.test('only a pty slave may be bound to /dev/console', async (t) => {
  const h = makeHost(t);
  fs.writeFileSync(path.join(h.outside, 'fake-pts'), '');
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(h.outside, 'pts-link'));
  for (const source of [`${h.outside}/fake-pts`, `${h.outside}/pts-link`, '/dev/null', '/dev/ptmx']) {
    t.throws(() => bindConsole(h.sys, { rootfs: h.root, ptySlavePath: source }), { message: `bind /dev/console: ${source} is not a pty slave` });
  }
  t.throws(() => bindConsole(h.sys, { rootfs: h.root, ptySlavePath: `${h.outside}/missing` }), { code: 'ENOENT' });
  t.same(h.sys.of('mount'), []);
  t.notOk(fs.existsSync(path.join(h.root, 'dev')), 'nothing was created');
});
