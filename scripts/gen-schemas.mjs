#!/usr/bin/env node
// Generates, from schemas/*.schema.json (our runtime-spec v1.3.0 schemas):
//   src/generated/config.ts, state.ts, features.ts  TypeScript types (json-schema-to-typescript)
//   src/generated/validators.js                     ajv validators compiled ahead of time (standalone ESM)
//   src/generated/validators.d.ts                   their declarations
// Run by the build before tsc. Nothing compiles a schema at runtime.
//
// Fast and idempotent: a stamp file holds a hash of every input (schemas, this script, tool versions) and
// of the outputs; when both match the script exits at once (~5 ms). Outputs are only rewritten when their
// content changes (atomically), so file mtimes stay quiet.
//
// Usage: node scripts/gen-schemas.mjs [--force] [--check]
//   --force  regenerate even if the stamp matches
//   --check  do not write; exit 1 if an output is missing or stale

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const scriptPath = fileURLToPath(import.meta.url);
const repoRoot = path.resolve(path.dirname(scriptPath), '..');
const schemaDir = path.join(repoRoot, 'schemas');
const outDir = path.join(repoRoot, 'src', 'generated');
const stampPath = path.join(outDir, '.gen-schemas.stamp');
const require = createRequire(import.meta.url);

/** Entry points: exported validator name, TypeScript output file, root schema file. */
const ROOTS = [
  { validator: 'validateConfig', typesFile: 'config.ts', schemaFile: 'config.schema.json', typeName: 'Spec' },
  { validator: 'validateState', typesFile: 'state.ts', schemaFile: 'state.schema.json', typeName: 'State' },
  { validator: 'validateFeatures', typesFile: 'features.ts', schemaFile: 'features.schema.json', typeName: 'Features' },
];
const OUTPUTS = [...ROOTS.map((r) => r.typesFile), 'validators.js', 'validators.d.ts'];

const args = new Set(process.argv.slice(2));
const started = process.hrtime.bigint();

function loadSchemas() {
  const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort();
  const byFile = new Map();
  for (const file of files) {
    const text = fs.readFileSync(path.join(schemaDir, file), 'utf8');
    let schema;
    try {
      schema = JSON.parse(text);
    } catch (err) {
      throw new Error(`schemas/${file}: ${err.message}`);
    }
    if (typeof schema.$id !== 'string' || !schema.$id.endsWith('/' + file)) {
      // Relative $refs are written as file names; ajv resolves them against $id, our bundler against the
      // file name. Both agree only if the $id ends with the file name.
      throw new Error(`schemas/${file}: $id must end with /${file}`);
    }
    byFile.set(file, { text, schema });
  }
  return byFile;
}

function inputHash(byFile) {
  const h = createHash('sha256');
  h.update(fs.readFileSync(scriptPath));
  for (const pkg of ['ajv', 'json-schema-to-typescript']) {
    h.update(`${pkg}@${require(`${pkg}/package.json`).version}\n`);
  }
  for (const [file, { text }] of byFile) h.update(`${file}\n${text}\n`);
  return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------------------
// ajv standalone validators

async function buildValidators(byFile) {
  const { default: Ajv } = await import('ajv');
  const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
  const ajv = new Ajv({
    allErrors: true,
    strict: true, // unknown keywords, ignored keywords and type ambiguities are schema bugs
    strictRequired: false, // if/then/else branches name properties declared next to them, not inside
    allowUnionTypes: true, // features: ["array", "null"]
    inlineRefs: false, // one function per referenced definition: ~20% less code than inlining
    code: { source: true, esm: true, lines: true },
  });
  // Annotations do not validate anything, but ajv embeds the schema objects it references (e.g. for
  // enum error params) in the generated code: drop them to keep the module small and quick to load.
  for (const { schema } of byFile.values()) ajv.addSchema(withoutAnnotations(schema));
  const exports = {};
  for (const root of ROOTS) exports[root.validator] = byFile.get(root.schemaFile).schema.$id;
  let code = standaloneCode(ajv, exports);
  // Even in ESM mode ajv emits `require()` for its runtime helpers. The only one our schemas need is the
  // code-point length used by minLength; inline an equivalent so the module stands alone.
  code = code.replace(
    /const (\w+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/,
    (_, name) => `const ${name} = ${codePointLength.toString()};`,
  );
  // Any other helper (e.g. deep equality for object enums) would be a hidden runtime dependency: refuse.
  if (/\brequire\(/.test(code) || /^\s*import\s/m.test(code)) {
    throw new Error('ajv standalone code needs runtime helpers; adjust the schemas or ajv options');
  }
  const header =
    '// Generated by scripts/gen-schemas.mjs from schemas/*.schema.json (ajv standalone code). Do not edit.\n' +
    '/* eslint-disable */\n';
  return header + code + '\n';
}

const ANNOTATIONS = new Set(['title', 'description', 'tsType', '$comment', 'examples']);

/** A copy of a schema without annotation keywords (property *names* such as "description" are kept). */
function withoutAnnotations(node, isPropertyMap = false) {
  if (Array.isArray(node)) return node.map((n) => withoutAnnotations(n));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (!isPropertyMap && ANNOTATIONS.has(k)) continue;
    const childIsMap = !isPropertyMap && (k === 'properties' || k === 'patternProperties' || k === 'definitions');
    out[k] = withoutAnnotations(v, childIsMap);
  }
  return out;
}

/** Length of a string in Unicode code points (a surrogate pair counts once), as JSON Schema defines it. */
function codePointLength(str) {
  let n = 0;
  for (let i = 0; i < str.length; i++, n++) {
    const c = str.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return n;
}

function validatorsDts() {
  const imports = ROOTS.map((r) => `import type { ${r.typeName} } from './${r.typesFile.replace(/\.ts$/, '.js')}';`);
  const decls = ROOTS.map((r) => `export declare const ${r.validator}: CompiledValidator<${r.typeName}>;`);
  return [
    '// Generated by scripts/gen-schemas.mjs. Do not edit.',
    ...imports,
    '',
    '/** The fields of an ajv error object that ocirt reads (see src/config/validate.ts). */',
    'export interface SchemaError {',
    '  keyword: string;',
    '  instancePath: string;',
    '  schemaPath: string;',
    '  params: Record<string, any>;',
    '  propertyName?: string;',
    '  message?: string;',
    '}',
    '',
    '/** An ahead-of-time compiled validator: a type guard that leaves its errors (allErrors) on `.errors`. */',
    'export interface CompiledValidator<T> {',
    '  (data: unknown): data is T;',
    '  errors?: SchemaError[] | null;',
    '}',
    '',
    ...decls,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// TypeScript types

// Keywords that only constrain values. json-schema-to-typescript would turn some of them into odd
// intersections (if/then, dependencies, required-only anyOf), so the type view drops them.
const VALIDATION_ONLY = new Set(['if', 'then', 'else', 'not', 'dependencies', 'propertyNames', 'pattern', '$schema', '$id', 'definitions']);
const SHAPE_KEYWORDS = ['type', 'properties', 'items', '$ref', 'enum', 'const', 'additionalProperties', 'tsType'];

/**
 * Returns one self-contained schema for `rootFile` with every $ref replaced by its target, so
 * json-schema-to-typescript needs no resolver. A target is converted once and shared by object
 * identity: a titled definition becomes one named type however often it is referenced.
 */
function bundleForTypes(byFile, rootFile) {
  const memo = new Map();

  function lookup(ref, baseFile) {
    const [filePart, pointer = ''] = ref.split('#');
    const file = filePart === '' ? baseFile : filePart;
    const entry = byFile.get(file);
    if (!entry) throw new Error(`schemas/${baseFile}: $ref to unknown file ${ref}`);
    let node = entry.schema;
    for (const raw of pointer.split('/').filter(Boolean)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node?.[key];
      if (node === undefined) throw new Error(`schemas/${baseFile}: dangling $ref ${ref}`);
    }
    return { key: `${file}#${pointer}`, node, file };
  }

  function convertRef(ref, baseFile) {
    const target = lookup(ref, baseFile);
    if (!memo.has(target.key)) {
      const slot = {};
      memo.set(target.key, slot); // set before recursing; our schemas have no cycles, but be safe
      Object.assign(slot, convert(target.node, target.file));
    }
    return memo.get(target.key);
  }

  function isConstraintOnly(branches) {
    return branches.every((b) => SHAPE_KEYWORDS.every((k) => !(k in b)));
  }

  function convert(node, file) {
    if (Array.isArray(node)) return node.map((n) => convert(n, file));
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const target = convertRef(node.$ref, file);
      const siblings = Object.keys(node).filter((k) => k !== '$ref' && !VALIDATION_ONLY.has(k));
      if (siblings.length === 0) return target;
      // A titled target keeps its identity unless the referrer gives it a title of its own.
      if (target.title && !('title' in node)) return target;
      const own = {};
      for (const k of siblings) own[k] = convert(node[k], file);
      return { ...target, ...own };
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (VALIDATION_ONLY.has(k)) continue;
      if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v) && isConstraintOnly(v)) continue;
      if (k === 'properties' || k === 'patternProperties') {
        out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, convert(sub, file)]));
      } else {
        out[k] = convert(v, file);
      }
    }
    return out;
  }

  return convert(byFile.get(rootFile).schema, rootFile);
}

async function buildTypes(byFile) {
  const { compile } = await import('json-schema-to-typescript');
  const out = {};
  for (const root of ROOTS) {
    const schema = bundleForTypes(byFile, root.schemaFile);
    if (schema.title !== root.typeName) throw new Error(`schemas/${root.schemaFile}: title must be ${root.typeName}`);
    out[root.typesFile] = await compile(schema, root.typeName, {
      bannerComment:
        `// Generated by scripts/gen-schemas.mjs from schemas/${root.schemaFile} (json-schema-to-typescript). Do not edit.\n` +
        '/* eslint-disable */',
      additionalProperties: false, // the schemas stay open (spec: ignore unknown properties); types stay exact
      declareExternallyReferenced: true,
      ignoreMinAndMaxItems: true, // minItems: 1 would otherwise become a tuple type
      unreachableDefinitions: false,
      format: true,
      style: { singleQuote: true, printWidth: 120 },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

/** Writes only when the content differs, via a temporary file and rename so a concurrent reader never sees half a file. */
function writeIfChanged(file, content) {
  const full = path.join(outDir, file);
  let old = null;
  try {
    old = fs.readFileSync(full, 'utf8');
  } catch {}
  if (old === content) return false;
  const tmp = `${full}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, full);
  return true;
}

/** Hash of the current outputs, or null if one is missing: catches hand edits and deleted files. */
function outputsHash() {
  const h = createHash('sha256');
  for (const file of OUTPUTS) {
    try {
      h.update(`${file}\n`).update(fs.readFileSync(path.join(outDir, file)));
    } catch {
      return null;
    }
  }
  return h.digest('hex');
}

async function main() {
  const byFile = loadSchemas();
  const expectedStamp = inputHash(byFile);
  let stamp = [];
  try {
    stamp = fs.readFileSync(stampPath, 'utf8').trim().split('\n');
  } catch {}
  const current = outputsHash();
  const upToDate = current !== null && stamp[0] === expectedStamp && stamp[1] === current;

  if (args.has('--check')) {
    if (!upToDate) {
      console.error('gen-schemas: src/generated is missing or stale; run node scripts/gen-schemas.mjs');
      process.exit(1);
    }
    return;
  }
  if (upToDate && !args.has('--force')) {
    console.log(`gen-schemas: up to date (${elapsed()})`);
    return;
  }

  const [validators, types] = await Promise.all([buildValidators(byFile), buildTypes(byFile)]);
  fs.mkdirSync(outDir, { recursive: true });
  const written = [];
  for (const [file, content] of Object.entries(types)) if (writeIfChanged(file, content)) written.push(file);
  if (writeIfChanged('validators.js', validators)) written.push('validators.js');
  if (writeIfChanged('validators.d.ts', validatorsDts())) written.push('validators.d.ts');
  writeIfChanged(path.basename(stampPath), `${expectedStamp}\n${outputsHash()}\n`);
  console.log(`gen-schemas: ${written.length ? 'wrote ' + written.join(', ') : 'no changes'} (${elapsed()})`);
}

function elapsed() {
  return `${Number((process.hrtime.bigint() - started) / 1000000n)} ms`;
}

main().catch((err) => {
  console.error(`gen-schemas: ${err.stack || err.message}`);
  process.exit(1);
});
