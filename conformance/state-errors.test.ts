// A --root that is not a directory (runc CLI contract; the spec defines no CLI): every
// command fails with runc's message, which names the path that is in the way, and
// creates nothing.

import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REFERENCE, RUNTIMES, SUBJECT, makeBundle, setupSuite, spawnCollect, tempDir, uniqueId, type RuntimeName } from './helpers.js';

setupSuite(t);

/** The error the runtime logged, with its own name replaced (`runc create failed:` → `RUNTIME create failed:`). */
function loggedError(stderr: string, runtime: RuntimeName): string {
  const msg = /level=error msg="(.*)"/.exec(stderr)?.[1] ?? stderr.trim();
  return msg.replace(new RegExp(`^${runtime} `), 'RUNTIME ');
}

t.test('--root that is a file, or below one: the same status and message from every command', async (t) => {
  const dir = await tempDir('root-file');
  const file = path.join(dir, 'root');
  fs.writeFileSync(file, 'not a directory');
  const bundle = await makeBundle(undefined, { rootfs: 'shared' });
  const id = uniqueId('rootfile');
  const commands = [
    ['state', id], ['list'], ['delete', id], ['delete', '--force', id], ['kill', id, 'KILL'], ['start', id], ['pause', id],
    ['create', '--bundle', bundle.dir, id], ['run', '--bundle', bundle.dir, id],
  ];
  for (const root of [file, path.join(file, 'below')]) {
    for (const args of commands) {
      const seen: Record<string, { status: number | null; error: string }> = {};
      for (const runtime of [SUBJECT, REFERENCE]) {
        const r = await spawnCollect(RUNTIMES[runtime], ['--root', root, ...args]);
        seen[runtime] = { status: r.status, error: loggedError(r.stderr, runtime) };
      }
      t.same(seen[SUBJECT], seen[REFERENCE], `${args[0]} with --root ${root}`);
      t.match(seen[SUBJECT]!.error, new RegExp(`mkdir ${file}: not a directory$`), `${args[0]}: names the file`);
    }
  }
  t.equal(fs.readFileSync(file, 'utf8'), 'not a directory', 'the file is untouched');
  t.same(fs.readdirSync(dir), ['root'], 'nothing made beside it');
});
