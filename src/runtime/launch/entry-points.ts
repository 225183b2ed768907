// Where the library finds the init and the exec init when it runs on Node (from
// dist/src/). The compiled executable starts them as its own modes instead
// (src/ocirt.ts).
import { fileURLToPath } from 'node:url';

export function entryPoint(name: 'init' | 'exec-init'): string {
  return fileURLToPath(new URL(name === 'init' ? '../../init/main.js' : '../../init/exec-main.js', import.meta.url));
}
