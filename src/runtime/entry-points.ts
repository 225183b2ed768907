// Where the processes the runtime spawns live. The built CLI is bundled into
// dist/bundle/, with the init and the exec init bundled beside it; the library runs
// from dist/src/, where they are dist/src/init/*.js.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
const BUNDLED = HERE.includes('/dist/bundle/');

export function entryPoint(name: 'init' | 'exec-init'): string {
  if (BUNDLED) return join(dirname(HERE), `${name}.mjs`);
  return fileURLToPath(new URL(name === 'init' ? '../init/main.js' : '../init/exec-main.js', import.meta.url));
}
