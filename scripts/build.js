// Build: schemas → TypeScript types and standalone validators, tsc, then the
// `bin/ocirt` launcher, which names this Node by absolute path so ocirt starts
// with an empty environment (no PATH), as Podman and conmon run it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: repo, stdio: 'inherit' });

run(process.execPath, [join(repo, 'scripts/gen-schemas.mjs')]);
run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.json')]);

mkdirSync(join(repo, 'bin'), { recursive: true });
const launcher = join(repo, 'bin/ocirt');
writeFileSync(launcher, `#!${process.execPath}\nimport('${join(repo, 'dist/src/cli/main.js')}');\n`);
chmodSync(launcher, 0o755);
