// Runs the whole test suite (unit, integration, conformance) from the compiled
// tree and closes with the plain line `N passed, N failed` (assertions).
// Integration and conformance tests need root; they fail, not skip, without it.
// Lint (scripts/lint.js) runs first, whatever the filters; if it fails, that is one more failure.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(repo, 'dist');

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(relative(repo, p));
  }
  return out;
}

const lintFailed = spawnSync(process.execPath, [join(repo, 'scripts/lint.js')], { cwd: repo, stdio: 'inherit' }).status === 0 ? 0 : 1;

const filters = process.argv.slice(2);
const files = ['src', 'ffi', 'test', 'conformance']
  .flatMap((d) => { try { return findTests(join(dist, d)); } catch { return []; } })
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();

const args = ['--disable-coverage', '--allow-empty-coverage', '-R', 'tap', '--timeout=600', '--jobs=2', ...files];
const child = spawn(process.execPath, [join(repo, 'node_modules/.bin/tap'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
let partial = '';
/** Every failed assertion and subtest, with the file and the subtests it is in. */
const failures = lintFailed ? ['lint: node scripts/lint.js'] : [];
const path = [];
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
  const lines = (partial + chunk.toString()).split('\n');
  partial = lines.pop();
  for (const line of lines) {
    const sub = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (sub) path[sub[1].length / 4] = sub[2];
    const failed = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (failed) failures.push([...path.slice(0, failed[1].length / 4), failed[2].slice(0, 200)].join(' > '));
  }
});
child.on('exit', (code) => {
  const m = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(tail);
  const total = m ? Number(m[1]) : 0;
  const failed = m ? Number(m[3] ?? 0) : 1;
  const passed = m ? Number(m[2] ?? total - failed) : 0;
  const tapStatus = code === 0 && m ? 0 : 1;
  const status = tapStatus || lintFailed;
  const line = `${passed} passed, ${(tapStatus && !failed ? failed + 1 : failed) + lintFailed} failed`;
  writeFileSync(join(repo, '.test-summary'), `${line}\n`);
  // The failures again, last, where a reader of a long log looks first.
  if (failures.length) process.stdout.write(`\nFailed:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.stdout.write(`\n${line}\n`);
  process.exit(status);
});
