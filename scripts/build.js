// Build: schemas → TypeScript types and standalone validators, tsc (dist/, the
// library and the tests), then two bundled entry points for speed — the CLI and
// the container init each load as one file — and the `bin/ocirt` launcher, which
// names this Node by absolute path so ocirt starts with an empty environment (no
// PATH), as Podman and conmon run it.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: repo, stdio: 'inherit' });

run(process.execPath, [join(repo, 'scripts/gen-schemas.mjs')]);
run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.json')]);

rmSync(join(repo, 'dist/bundle'), { recursive: true, force: true });
await build({
  entryPoints: {
    cli: join(repo, 'dist/src/cli/main.js'),
    init: join(repo, 'dist/src/init/main.js'),
    'exec-init': join(repo, 'dist/src/init/exec-main.js'),
  },
  outdir: join(repo, 'dist/bundle'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['koffi'],
  // yargs' help renderer and its Unicode tables are dead weight here (see the stubs).
  alias: {
    cliui: join(repo, 'scripts/bundle-stubs/cliui.mjs'),
    'string-width': join(repo, 'scripts/bundle-stubs/string-width.mjs'),
  },
  logLevel: 'warning',
});

mkdirSync(join(repo, 'bin'), { recursive: true });
const launcher = join(repo, 'bin/ocirt');
writeFileSync(launcher, `#!${process.execPath}\nimport('${join(repo, 'dist/bundle/cli.mjs')}');\n`);
chmodSync(launcher, 0o755);
