// The import rules in eslint.config.js that hold the syscall seam: libc is reached
// through src/syscall/linux.ts and the listed leaf modules only, and ffi/ stands below src/.
import t from 'tap';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: repo });

/** The rule ids ESLint reports for `code` as the file at `file` (relative to the repo). */
async function ruleIds(file: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, file), warnIgnored: false });
  return result ? result.messages.map((m) => m.ruleId) : [];
}

t.test('a new module under src/ may not import ffi/libc.js', async (t) => {
  t.same(await ruleIds('src/runtime/new-module.ts', "import { close } from '../../ffi/libc.js';\n"), ['no-restricted-imports']);
  t.same(await ruleIds('src/runtime/new-module.ts', "import type { CapSets } from '../../ffi/libc.js';\n"), ['no-restricted-imports'], 'types too');
  t.same(await ruleIds('src/runtime/new-module.ts', "export { close } from '../../ffi/libc.js';\n"), ['no-restricted-imports'], 'nor re-export it');
  t.same(await ruleIds('src/runtime/new-module.ts', "export const m = await import('../../ffi/libc.js');\n"), ['no-restricted-syntax'], 'nor load it with import()');
  t.same(await ruleIds('src/runtime/new-module.ts', "import { SYS } from '../../ffi/constants.js';\n"), [], 'the rest of ffi/ is open');
});

t.test('the seam, the listed leaf modules and tests may', async (t) => {
  const code = "import * as libc from '../../ffi/libc.js';\n";
  t.same(await ruleIds('src/syscall/linux.ts', code), []);
  t.same(await ruleIds('src/state/store.ts', code), []);
  t.same(await ruleIds('src/runtime/new-module.test.ts', code), []);
});

t.test('ffi/ imports nothing from src/', async (t) => {
  t.same(await ruleIds('ffi/x.ts', "import { RuntimeError } from '../src/errors.js';\n"), ['no-restricted-imports']);
  t.same(await ruleIds('ffi/x.ts', "export const m = await import('../src/errors.js');\n"), ['no-restricted-syntax']);
  t.same(await ruleIds('ffi/x.ts', "import { SyscallError } from './errors.js';\n"), []);
});
