import t from 'tap';
import type { LibraryHandle } from 'koffi';
import { existsSync, readFileSync } from 'node:fs';
import koffi, { koffiNativePath, koffiTriplet, lazy, lazyFunction, lazyFunctions } from './koffi.js';

t.test("Koffi's build for this machine is named as the package names its folders", async (t) => {
  t.equal(koffiTriplet('linux', 'x64'), 'linux_x64');
  t.equal(koffiTriplet('linux', 'arm64'), 'linux_arm64');
  t.equal(koffiTriplet('linux', 'arm'), 'linux_armhf');
  t.equal(koffiTriplet('linux', 'riscv64'), 'linux_riscv64d');
});

t.test("the native module loaded is the installed one of this platform, of the version package.json pins", async (t) => {
  t.match(koffiNativePath('linux', 'x64'), /\/@koromix\/koffi-linux-x64\/linux_x64\/koffi\.node$/);
  t.ok(existsSync(koffiNativePath()), koffiNativePath());
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const pinned = pkg.dependencies.koffi;
  t.equal(pkg.optionalDependencies[`@koromix/koffi-${process.platform}-${process.arch}`], pinned, 'the native package is pinned with koffi');
  t.equal((koffi as unknown as { version: string }).version, pinned);
});

t.test('bindings are made on first use only, once, with methods bound', async (t) => {
  let made = 0;
  const obj = lazy(() => {
    made++;
    return { n: 2, twice(this: { n: number }, x: number) { return x * this.n; } };
  });
  t.equal(made, 0, 'importing a module of bindings makes nothing');
  const twice = obj.twice as unknown as (x: number) => number;
  t.equal(twice(4), 8, 'a method taken off the object keeps its object');
  t.equal(obj.n, 2);
  t.equal(made, 1);
  let calls = 0;
  const f = lazyFunction(() => { calls++; return (a: number, b: number) => a + b; });
  t.equal(calls, 0);
  t.equal(f(1, 2), 3);
  t.equal(f(3, 4), 7);
  t.equal(calls, 1);
});

t.test('functions of a library are declared one by one, on first use of each', async (t) => {
  const declared: string[] = [];
  const lib = { func: (prototype: string) => { declared.push(prototype); return (x: number) => x + declared.length; } } as unknown as LibraryHandle;
  let loaded = 0;
  const fns = lazyFunctions(() => { loaded++; return lib; }, { a: 'int a(int x)', b: 'int b(int x)' });
  t.equal(loaded, 0, 'nothing loaded before a call');
  t.equal(fns.a(1), 2);
  t.equal(fns.a(1), 2, 'declared once');
  t.same(declared, ['int a(int x)'], 'only the function used');
  fns.b(0);
  t.same(declared, ['int a(int x)', 'int b(int x)']);
  t.throws(() => (fns as unknown as Record<string, unknown>).c, /no prototype for c/);
});
