// The library API under the CLI, as the README shows it: a Node program drives a
// container without spawning ocirt.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir, requireRoot, ensureRootfs, findCgroupDirs } from './helpers.js';
import { makeBundle } from './bundle.js';

requireRoot();
ensureRootfs();

t.test('create, start, state, kill, delete through the exported API', async (t) => {
  const root = tempDir(t, 'ocirt-root-');
  const bundle = makeBundle(t, (s) => { s.process!.args = ['sleep', '300']; });
  const id = `lib-${process.pid}`;
  // A separate Node program, as a user would write it (the API is the package's main export).
  const program = join(tempDir(t), 'drive.mjs');
  writeFileSync(program, `
    import { makeContext, createContainer, startContainer, containerState, killContainer, deleteContainer, listContainers } from ${JSON.stringify(join(REPO, 'dist/src/index.js'))};
    const ctx = makeContext({ root: ${JSON.stringify(root)} });
    const seen = [];
    await createContainer(ctx, ${JSON.stringify(id)}, { bundle: ${JSON.stringify(bundle)} });
    seen.push((await containerState(ctx, ${JSON.stringify(id)})).status);
    await startContainer(ctx, ${JSON.stringify(id)});
    seen.push((await containerState(ctx, ${JSON.stringify(id)})).status);
    seen.push(listContainers(ctx).map((c) => c.id).join(','));
    await killContainer(ctx, ${JSON.stringify(id)}, 9);
    for (let i = 0; i < 100 && (await containerState(ctx, ${JSON.stringify(id)})).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    seen.push((await containerState(ctx, ${JSON.stringify(id)})).status);
    await deleteContainer(ctx, ${JSON.stringify(id)});
    seen.push(String(listContainers(ctx).length));
    console.log(JSON.stringify(seen));
  `);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, [program], { encoding: 'utf8', env, timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), ['created', 'running', id, 'stopped', '0']);
  t.same(findCgroupDirs(id), [], 'nothing left');
});
