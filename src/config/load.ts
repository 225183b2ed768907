// Reading a bundle's config.json: read, parse, schema-validate, check semantics. Reads only; creates nothing.

import fs from 'node:fs';
import path from 'node:path';
import type { Spec } from '../generated/config.js';
import { ConfigError, sortIssuesByDocumentOrder } from './errors.js';
import { isRlimitValue, readJson } from './json-reader.js';
import { checkSemantics, type SemanticOptions } from './semantic.js';
import { validateSpec } from './validate.js';

export interface BundleConfig {
  spec: Spec;
  /** Absolute, symlink-free path of the bundle directory (what runc records as the bundle). */
  bundle: string;
}

/** config.json files are a few KiB (a big seccomp profile ~100 KiB); anything huge is a mistake. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/**
 * Loads `<bundleDir>/config.json` synchronously and returns the validated spec.
 * Throws ConfigError: `JSON specification file <path> not found` (runc's wording), `invalid config.json: ...`
 * for JSON syntax (with line and column), schema and semantic problems (one `pointer: message` per line).
 */
export function loadBundleConfig(bundleDir: string, options: SemanticOptions = {}): BundleConfig {
  const bundle = resolveBundle(bundleDir);
  const configPath = path.join(bundle, 'config.json');
  const text = readConfigText(configPath);
  const spec = parseConfigText(text);
  validateSpec(spec);
  const issues = sortIssuesByDocumentOrder(checkSemantics(spec, options), spec);
  if (issues.length > 0) throw ConfigError.invalid('config.json', issues);
  return { spec, bundle };
}

function resolveBundle(bundleDir: string): string {
  const abs = path.resolve(bundleDir);
  try {
    // runc chdirs into the bundle and records getcwd(), i.e. the path with symlinks resolved.
    return fs.realpathSync(abs);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new ConfigError(`bundle directory ${abs} not found`, [], { cause: err });
    throw new ConfigError(`realpath ${abs}: ${errnoCode(err) ?? String(err)}`, [], { cause: err });
  }
}

function readConfigText(configPath: string): string {
  let fd: number;
  try {
    fd = fs.openSync(configPath, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new ConfigError(`JSON specification file ${configPath} not found`, [], { cause: err });
    throw new ConfigError(`open ${configPath}: ${errnoCode(err) ?? String(err)}`, [], { cause: err });
  }
  try {
    const st = fs.fstatSync(fd);
    // A FIFO or device would block or never end; config.json must be a plain file.
    if (!st.isFile()) throw new ConfigError(`${configPath} is not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`${configPath} is too large (${st.size} bytes)`);
    return fs.readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`read ${configPath}: ${errnoCode(err) ?? String(err)}`, [], { cause: err });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Parses a config.json text with errors that say where: `invalid config.json: JSON syntax error at line 3,
 * column 5: ...`, and `invalid config.json: <pointer>: ...` for nesting too deep or an inexact integer.
 */
export function parseConfigText(text: string, document = 'config.json'): unknown {
  return readJson(text, { document, acceptsUint64Max: isRlimitValue });
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
