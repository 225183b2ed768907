// Run by Bun (from scripts/build.js): compiles dist/src/ocirt.js, the CLI and the
// inits, into the one executable bin/ocirt. Split into chunks at each dynamic import,
// so that a command parses and evaluates only the code it loads (`state` none of the
// init's, the validators' or yargs'). Koffi is not embedded: the binary loads
// the native module of the installed package by the path given here, only in the
// commands that make syscalls. The executable reads no .env, bunfig.toml,
// package.json or tsconfig.json of its working directory.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { compileOptions } from './compile-options.mjs';

const [repo, outfile, koffiNative, version, variant] = process.argv.slice(2);
// bench/profile-phases.mjs asks for a variant that records start-up phase marks (src/phase-marks.ts).
const profile = variant === 'phase-marks';

const result = await Bun.build(await compileOptions({
  repo,
  outfile,
  define: {
    OCIRT_COMPILED: 'true',
    OCIRT_KOFFI_NATIVE: JSON.stringify(koffiNative),
    OCIRT_VERSION: JSON.stringify(version),
    OCIRT_PROFILE: String(profile),
  },
}));
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}

// A compiled Bun binary started with BUN_BE_BUN in its environment runs as the bun
// command itself, before any of our code: the caller's environment would choose what
// the runtime does. The name is made one no environment can hold (its first byte NUL).
const binary = readFileSync(outfile);
const name = Buffer.from('BUN_BE_BUN');
let renamed = 0;
for (let at = binary.indexOf(name); at >= 0; at = binary.indexOf(name, at + 1), renamed++) binary[at] = 0;
if (renamed === 0) throw new Error(`${outfile}: BUN_BE_BUN not found in the compiled binary`);
writeFileSync(outfile, binary);

// Executable but not readable by anyone but root: an init started inside a user
// namespace (whose root is not the host's) cannot read the file it runs, so the
// kernel makes it non-dumpable from its execve and out of reach of the container's
// ptrace, even for the container's root with CAP_SYS_PTRACE.
chmodSync(outfile, 0o711);
