// Build: schemas → TypeScript types and standalone validators, tsc (dist/: the
// library and the tests, run on Node), then bin/ocirt: one executable compiled by
// Bun that holds the CLI and the inits (scripts/compile.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: repo, stdio: 'inherit' });

run(process.execPath, [join(repo, 'scripts/gen-schemas.mjs')]);
run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.json')]);

rmSync(join(repo, 'dist/bundle'), { recursive: true, force: true });
mkdirSync(join(repo, 'bin'), { recursive: true });
const require = createRequire(import.meta.url);
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const { koffiNativePath } = await import('../dist/ffi/koffi.js');
run(bunBinary(), [join(repo, 'scripts/compile.mjs'), repo, join(repo, 'bin/ocirt'), realpathSync(koffiNativePath()), version]);

/** Bun, from the npm package pinned in package.json for this machine's architecture. */
function bunBinary() {
  const pkg = `@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : process.arch}`;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin/bun');
  } catch {
    throw new Error(`${pkg} is not installed: bin/ocirt is compiled with Bun from the npm registry (npm ci installs it)`);
  }
}
