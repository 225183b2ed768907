// Temp bundles for the integration tests: the `hello` sample config, patched per
// test, over the shared busybox rootfs (read-only, so tests can share it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ROOTFS, tempDir } from './helpers.js';
import type { Spec } from '../src/generated/config.js';

export function baseSpec(): Spec {
  const spec = JSON.parse(readFileSync(join(REPO, 'bundles/hello/config.json'), 'utf8')) as Spec;
  spec.root = { path: ROOTFS, readonly: true };
  return spec;
}

/** Writes a bundle dir whose config is the base spec after `patch`; returns its path. */
export function makeBundle(t: { teardown(fn: () => void): void }, patch: (s: Spec) => void = () => {}, raw?: string): string {
  const dir = tempDir(t, 'ocirt-bundle-');
  mkdirSync(dir, { recursive: true });
  const spec = baseSpec();
  patch(spec);
  writeFileSync(join(dir, 'config.json'), raw ?? JSON.stringify(spec, null, 2));
  return dir;
}
