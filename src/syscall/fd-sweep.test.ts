import t from 'tap';
import { SyscallError } from '../errors.js';
import { errnoNumber } from '../../ffi/errno.js';
import { cloexecFrom, listOwnFds } from './fd-sweep.js';

const refuse = (code: string) => () => { throw new SyscallError('close_range', '3..', errnoNumber(code) ?? 0, code); };

t.test('close_range when it works: no listing', async (t) => {
  const marked: number[] = [];
  cloexecFrom(3, { closeRangeCloexec: () => {}, listFds: () => t.fail('listed') as never, setCloexec: (fd) => marked.push(fd) });
  t.same(marked, []);
});

t.test('refused by a seccomp profile or an old kernel: every listed fd from `first` on', async (t) => {
  for (const code of ['EPERM', 'ENOSYS', 'EINVAL']) {
    const marked: number[] = [];
    cloexecFrom(5, {
      closeRangeCloexec: refuse(code),
      listFds: () => [0, 1, 2, 4, 5, 9, 12],
      setCloexec: (fd) => {
        if (fd === 12) throw new SyscallError('fcntl', 'fd 12', errnoNumber('EBADF') ?? 9, 'EBADF'); // the listing's own fd
        marked.push(fd);
      },
    });
    t.same(marked, [5, 9], code);
  }
});

t.test('other errors are not hidden', async (t) => {
  t.throws(() => cloexecFrom(3, { closeRangeCloexec: refuse('EFAULT'), listFds: () => [], setCloexec: () => {} }), { code: 'EFAULT' });
  t.throws(() => cloexecFrom(3, {
    closeRangeCloexec: refuse('EPERM'), listFds: () => [7],
    setCloexec: () => { throw new SyscallError('fcntl', 'fd 7', errnoNumber('EPERM') ?? 1, 'EPERM'); },
  }), { message: 'fcntl fd 7: EPERM' });
});

t.test('listOwnFds reads this process\'s fds', async (t) => {
  const fds = listOwnFds();
  t.ok(fds.includes(0) && fds.includes(1) && fds.includes(2));
  t.throws(() => listOwnFds('/nonexistent'), { message: 'readdir /nonexistent/self/fd: ENOENT' });
});
