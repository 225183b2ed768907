// ESLint over src/ and ffi/: the import rules of eslint.config.js that hold the
// syscall seam. Prints the problems and exits 1 if there are any (warnings too).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: repo });
const results = await eslint.lintFiles(['src', 'ffi']);
if (results.some((r) => r.errorCount || r.warningCount || r.fatalErrorCount)) {
  const formatter = await eslint.loadFormatter('stylish');
  process.stdout.write(await formatter.format(results));
  process.exit(1);
}
