// Koffi's native module, loaded directly from the installed package of this platform
// (`@koromix/koffi-<platform>-<arch>`, pinned in package.json with koffi's version).
// The package's index.js would first look for it through the file system and wrap it
// in deprecation shims; and a bundler given a literal path would embed every platform's
// build. The compiled binary is built with the path of the installed module
// (OCIRT_KOFFI_NATIVE); on Node the package is found by module resolution. Nothing is
// loaded until a binding is first used.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as KoffiApi from 'koffi';

declare const OCIRT_KOFFI_NATIVE: string | undefined;

/** Koffi's name for this machine's build: `<platform>_<arch>` (glibc Linux, the builds Koffi ships). */
export function koffiTriplet(platform: string = process.platform, arch: string = process.arch): string {
  const name = ({ arm: 'armhf', riscv64: 'riscv64d' } as Record<string, string>)[arch] ?? arch;
  return `${platform}_${name}`;
}

/** The installed koffi.node of this platform (what the build embeds the path of). */
export function koffiNativePath(platform: string = process.platform, arch: string = process.arch): string {
  const pkg = createRequire(import.meta.url).resolve(`@koromix/koffi-${platform}-${arch}/package.json`);
  return join(dirname(pkg), koffiTriplet(platform, arch), 'koffi.node');
}

function nativePath(): string {
  return typeof OCIRT_KOFFI_NATIVE === 'string' ? OCIRT_KOFFI_NATIVE : koffiNativePath();
}

/**
 * An object made on first use of one of its members, so that importing a module of
 * bindings costs nothing until a call is made: the commands that make no syscall never
 * load Koffi. Methods are bound to the object made.
 */
export function lazy<T extends object>(make: () => T): T {
  let made: T | undefined;
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy({} as T, {
    get(_target, key) {
      made ??= make();
      const value = (made as Record<PropertyKey, unknown>)[key];
      if (typeof value !== 'function') return value;
      if (!bound.has(key)) bound.set(key, value.bind(made));
      return bound.get(key);
    },
  });
}

type Declared = ReturnType<KoffiApi.LibraryHandle['func']>;

/**
 * Functions of a library, each declared on its own first use (a declaration parses its
 * prototype, some 25 us): a command that makes two of the calls declares two.
 */
export function lazyFunctions<K extends string>(lib: () => KoffiApi.LibraryHandle, prototypes: Record<K, string>): Record<K, Declared> {
  const made = new Map<PropertyKey, Declared>();
  return new Proxy({} as Record<K, Declared>, {
    get(_target, key) {
      let fn = made.get(key);
      if (fn === undefined) {
        const prototype = (prototypes as Record<PropertyKey, string | undefined>)[key];
        if (prototype === undefined) throw new Error(`no prototype for ${String(key)}`);
        fn = lib().func(prototype);
        made.set(key, fn);
      }
      return fn;
    },
  });
}

/** A function bound on its first call. */
export function lazyFunction<F extends (...args: never[]) => unknown>(make: () => F): F {
  let made: F | undefined;
  return ((...args: Parameters<F>) => (made ??= make())(...args)) as F;
}

/**
 * Loaded with process.dlopen rather than require: Bun's require of a path lists every
 * directory above it and above the working directory first (about 1 ms, more where
 * the caller's directory is large).
 */
function loadNative(): typeof KoffiApi {
  const module = { exports: {} as typeof KoffiApi };
  process.dlopen(module, nativePath());
  return module.exports;
}

const koffi = lazy(loadNative);
export default koffi;

/**
 * A block of zeroed C memory, seen from JS as a Buffer over the same bytes: for what the
 * kernel reads by address (a struct holding a pointer), whose place must not move.
 */
export class CBlock {
  readonly ptr: unknown;
  readonly bytes: Buffer;
  constructor(size: number) {
    this.ptr = koffi.alloc('uint8', size);
    this.bytes = Buffer.from(koffi.view(this.ptr, size));
    this.bytes.fill(0);
  }
  get address(): bigint {
    return koffi.address(this.ptr) as bigint;
  }
  free(): void {
    koffi.free(this.ptr);
  }
}

/** Run `fn` with C blocks of the given sizes, freed afterwards. */
export function withBlocks<T>(sizes: number[], fn: (...blocks: CBlock[]) => T): T {
  const blocks: CBlock[] = [];
  try {
    for (const size of sizes) blocks.push(new CBlock(size));
    return fn(...blocks);
  } finally {
    for (const b of blocks) b.free();
  }
}
