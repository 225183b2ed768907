import t from 'tap';
import { readFileSync } from 'node:fs';
import { RuntimeError as FfiRuntimeError, SyscallError as FfiSyscallError } from '../ffi/errors.js';
import { NotFoundError, RuntimeError, SyscallError, describeErrno, fromNodeError, withContext } from './errors.js';
import { ConfigError } from './config/errors.js';
import { CgroupError } from './cgroups/errors.js';

t.test('a syscall error gives the errno name first, then its text', async (t) => {
  t.equal(new SyscallError('mount', '/proc on /x/proc', 1).message, 'mount /proc on /x/proc: EPERM (operation not permitted)');
  t.equal(new SyscallError('setsid', '', 1).message, 'setsid: EPERM (operation not permitted)');
  t.equal(new SyscallError('open', '/x', 13).code, 'EACCES', 'the name stays in .code for callers');
  t.equal(new SyscallError('bpf', 'BPF_PROG_LOAD', 22, 'EINVAL').message, 'bpf BPF_PROG_LOAD: EINVAL (invalid argument)');
});

t.test('errnos Go has no text for here get libuv text; unknown ones stay bare', async (t) => {
  t.equal(describeErrno('ENOTEMPTY'), 'ENOTEMPTY (directory not empty)');
  t.equal(describeErrno('errno 4095'), 'errno 4095');
  t.equal(new SyscallError('x', '', 4095).message, 'x: errno 4095');
});

t.test('a Node fs error becomes a syscall error with the same form', async (t) => {
  let err: unknown;
  try {
    readFileSync('/nonexistent/ocirt-errors-test');
  } catch (e) {
    err = e;
  }
  const e = fromNodeError(err);
  t.equal(e.message, 'open /nonexistent/ocirt-errors-test: ENOENT (no such file or directory)');
  t.equal(withContext('load', e).message, 'load: open /nonexistent/ocirt-errors-test: ENOENT (no such file or directory)');
  t.equal(fromNodeError(err, 'stat', '/y').message, 'stat /y: ENOENT (no such file or directory)');
});

t.test('ffi/ and src/ share one SyscallError; what ffi/ throws without an errno is a RuntimeError', async (t) => {
  t.equal(SyscallError, FfiSyscallError);
  t.equal(RuntimeError, FfiRuntimeError);
  const err = new FfiRuntimeError('cannot load libseccomp.so.2: not found');
  t.ok(err instanceof RuntimeError);
  t.notOk(err instanceof NotFoundError, 'but none of its subclasses');
  t.equal(err.message, 'cannot load libseccomp.so.2: not found');
  t.ok(new NotFoundError() instanceof RuntimeError, 'subclasses still are RuntimeErrors');
  t.notOk(new Error('x') instanceof RuntimeError);
});

t.test('config and cgroup errors are RuntimeErrors that keep their own names', async (t) => {
  const config = new ConfigError('invalid config.json: /root: is required', [{ pointer: '/root', message: 'is required' }]);
  t.ok(config instanceof RuntimeError);
  t.ok(config instanceof ConfigError);
  t.equal(config.name, 'ConfigError');
  t.equal(config.message, 'invalid config.json: /root: is required');
  const cgroup = new CgroupError('rmdir /sys/fs/cgroup/x: EBUSY', { code: 'EBUSY', op: 'rmdir', path: '/sys/fs/cgroup/x' });
  t.ok(cgroup instanceof RuntimeError);
  t.ok(cgroup instanceof CgroupError);
  t.notOk(cgroup instanceof ConfigError);
  t.equal(cgroup.name, 'CgroupError');
  t.equal(cgroup.code, 'EBUSY');
});
