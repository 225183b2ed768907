import t from 'tap';
import { RuntimeError } from '../../errors.js';
import { utilLinuxProgram } from './userns-holder.js';

t.test('util-linux programs are found in fixed directories, never through PATH', async (t) => {
  t.equal(utilLinuxProgram('nsenter', ['/nonexistent', '/usr/bin']), '/usr/bin/nsenter');
  t.throws(() => utilLinuxProgram('unshare', ['/nonexistent', '/also-not']),
    new RuntimeError("user and time namespaces need util-linux's unshare: not found in /nonexistent or /also-not"));
});

