// The Bun.build options bin/ocirt is compiled with (scripts/compile.mjs), in one place
// so that the tests can compile a probe the same way and check what the options do.
import { join } from 'node:path';

/**
 * `repo`: the checkout, built (dist/); `outfile`: the executable to write; `define`:
 * constants for the code (OCIRT_JIT_POLICY is added here); `entry`: what to compile
 * (dist/src/ocirt.js unless given).
 */
export async function compileOptions({ repo, outfile, define = {}, entry = join(repo, 'dist/src/ocirt.js') }) {
  // Each call of ocirt lives milliseconds and runs its code once or a few times: the
  // JIT's baseline and optimizing tiers would compile functions (in threads of their
  // own) that never run long enough to pay that back. The binary starts with tier-up
  // out of reach (measured: state 0.6 ms faster, run 2.3 ms); nothing in ocirt is
  // JavaScript that computes for long. src/engine-threads.ts returns to this policy.
  const { NO_TIER_UP } = await import(join(repo, 'dist/src/engine-threads.js'));
  return {
    entrypoints: [entry],
    compile: {
      outfile,
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadPackageJson: false,
      autoloadTsconfig: false,
      jitPolicy: NO_TIER_UP,
    },
    bytecode: true,
    splitting: true,
    format: 'esm',
    target: 'bun',
    minify: { syntax: true, whitespace: true },
    define: { ...define, OCIRT_JIT_POLICY: String(NO_TIER_UP) },
    plugins: [yargsHelpStubs(repo)],
  };
}

// yargs renders its help with cliui and string-width, whose Unicode tables cost
// milliseconds at every start; ocirt prints its own runc-style help and never asks
// yargs for usage text, so both are replaced by small stand-ins.
function yargsHelpStubs(repo) {
  return {
    name: 'yargs-help-stubs',
    setup(build) {
      build.onResolve({ filter: /^(cliui|string-width)$/ }, (args) => ({ path: join(repo, 'scripts/bundle-stubs', `${args.path}.mjs`) }));
    },
  };
}
