// Lint rules about imports only: they keep the syscall seam where it is. Every
// syscall the runtime makes goes through Sys (src/syscall/), whose one real
// implementation is src/syscall/linux.ts; the modules below call libc directly.
import tseslint from 'typescript-eslint';

/** The only modules, besides the seam, that may import ffi/libc.js, and the calls they need. */
const LIBC_IMPORTERS = [
  'src/syscall/linux.ts', // the seam: every call behind Sys
  'src/init/early-guard.ts', // prctl PR_SET_DUMPABLE, first thing in the init
  'src/init/wait-for-start.ts', // openat of the exec fifo in a pool thread
  'src/ocirt.ts', // execve of /proc/self/exe
  'src/protocol.ts', // poll on the sync channel
  'src/rootfs/host-mounts.ts', // umount2 of the host's mounts
  'src/runtime/launch/socketpair.ts', // socketpair for the sync channel and the terminal
  'src/runtime/shared/exec-fifo.ts', // mkfifo, and poll on the fifo and the init's pidfd
  'src/runtime/shared/process-exit.ts', // pidfd_open and poll
  'src/runtime/launch/spawn-init.ts', // open_tree, mount_setattr, prctl, capget/capset
  'src/runtime/launch/adopted-init.ts', // waitpid WNOHANG of an init the runtime took over
  'src/runtime/launch/stdio-pipes.ts', // pipe2
  'src/state/store.ts', // renameat2 RENAME_NOREPLACE
  'src/state/lock.ts', // flock
  'src/terminal/proxy.ts', // fcntl F_DUPFD_CLOEXEC on the pty master
];

/** no-restricted-imports misses import(): this catches it by its source. */
const dynamicImport = (regex, message) => ({ selector: `ImportExpression[source.value=/${regex}/]`, message });

const LIBC = 'ffi/libc\\.js$';
const LIBC_MESSAGE = 'Syscalls go through Sys (src/syscall/); only the modules listed in eslint.config.js import ffi/libc.js.';
const SRC = '(^|/)src/';
const SRC_MESSAGE = 'ffi/ is below src/ and imports nothing from it.';

export default [
  // src/'s tests are exempt from every rule here, so they are not even parsed.
  { ignores: ['dist/**', 'bin/**', 'src/generated/**', 'src/**/*.test.ts'] },
  // The rules read imports only: JSDoc is left unparsed, which saves a fifth of the time.
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { jsDocParsingMode: 'none' } } },
  {
    files: ['src/**/*.ts'],
    ignores: LIBC_IMPORTERS,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: LIBC, message: LIBC_MESSAGE }] }],
      'no-restricted-syntax': ['error', dynamicImport(LIBC.replaceAll('/', '\\/'), LIBC_MESSAGE)],
    },
  },
  {
    files: ['ffi/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: SRC, message: SRC_MESSAGE }] }],
      'no-restricted-syntax': ['error', dynamicImport(SRC.replaceAll('/', '\\/'), SRC_MESSAGE)],
    },
  },
];
