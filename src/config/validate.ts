// Schema validation of config.json, state and features documents with the validators that
// scripts/gen-schemas.mjs compiled ahead of time (nothing is compiled at runtime), and translation of
// ajv's errors into one readable `pointer: message` line per real problem.

import type { Spec } from '../generated/config.js';
import type { Features } from '../generated/features.js';
import type { State } from '../generated/state.js';
import * as compiled from '../generated/validators.js';
import type { CompiledValidator, SchemaError } from '../generated/validators.js';
import { ConfigError, escapePointerToken, sortIssuesByDocumentOrder, type ValidationIssue } from './errors.js';

export type { Spec, State, Features };

/** Schema problems of a config.json document; empty when it is valid. */
export function checkSpec(obj: unknown): ValidationIssue[] {
  return runValidator(compiled.validateConfig, obj);
}

/** Throws ConfigError (`invalid config.json: ...`) unless obj matches the config schema. */
export function validateSpec(obj: unknown): asserts obj is Spec {
  const issues = checkSpec(obj);
  if (issues.length > 0) throw ConfigError.invalid('config.json', issues);
}

/**
 * Schema problems of a lone `LinuxResources` document (`update --resources`), with pointers relative to it.
 * The compiled validators have no entry point for it, so it is checked in place inside a minimal config.
 */
export function checkLinuxResources(obj: unknown): ValidationIssue[] {
  const prefix = '/linux/resources';
  return checkSpec({ ociVersion: '1.0.0', linux: { resources: obj } })
    .filter((i) => i.pointer === prefix || i.pointer.startsWith(`${prefix}/`))
    .map((i) => ({ pointer: i.pointer.slice(prefix.length), message: i.message }));
}

/** Schema problems of a state document; empty when it is valid. */
export function checkState(obj: unknown): ValidationIssue[] {
  return runValidator(compiled.validateState, obj);
}

/** Throws ConfigError (`invalid state: ...`) unless obj matches the state schema. */
export function validateState(obj: unknown): asserts obj is State {
  const issues = checkState(obj);
  if (issues.length > 0) throw ConfigError.invalid('state', issues);
}

/** Schema problems of a features document; empty when it is valid. */
export function checkFeatures(obj: unknown): ValidationIssue[] {
  return runValidator(compiled.validateFeatures, obj);
}

/** Throws ConfigError (`invalid features: ...`) unless obj matches the features schema. */
export function validateFeatures(obj: unknown): asserts obj is Features {
  const issues = checkFeatures(obj);
  if (issues.length > 0) throw ConfigError.invalid('features', issues);
}

function runValidator<T>(validator: CompiledValidator<T>, obj: unknown): ValidationIssue[] {
  if (validator(obj)) return [];
  return sortIssuesByDocumentOrder(issuesFromSchemaErrors(validator.errors ?? [], obj), obj);
}

// ---------------------------------------------------------------------------------------------------------
// ajv errors → issues

/**
 * Turns ajv's allErrors output into the issues a user needs:
 * - `if` errors ("must match then schema") are dropped: the errors of the branch say what is wrong;
 * - an anyOf/oneOf made only of `required` branches becomes one "must have at least one of a, b";
 *   any other anyOf/oneOf error is dropped when errors from inside its branches explain it;
 * - a bad property name (propertyNames) is reported once, with the name;
 * - `required`/`dependencies` point at the missing property itself: `/process/cwd: is required`;
 * - identical lines are reported once (a conditional branch may repeat a base-schema error);
 * - a value outside a list of kernel or libseccomp constants is named (`unknown value "SCMP_ACT_X": ...`)
 *   when `doc` (the validated document) is given.
 */
export function issuesFromSchemaErrors(errors: readonly SchemaError[], doc?: unknown): ValidationIssue[] {
  const consumed = new Set<SchemaError>();
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  const add = (pointer: string, message: string): void => {
    const key = `${pointer}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ pointer, message });
  };

  // Combinators first: they decide which of the branch errors are shown.
  const combinatorIssues = new Map<SchemaError, ValidationIssue | null>();
  errors.forEach((e, index) => {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return;
    // ajv records a combinator's branch errors just before the combinator error. schemaPaths are relative
    // to the definition being checked, so two definitions can share a prefix: match the place in the
    // document too.
    const prefix = e.schemaPath + '/';
    const branchErrors = errors
      .slice(0, index)
      .filter((b) => b.schemaPath.startsWith(prefix) && isAtOrBelow(b.instancePath, e.instancePath));
    if (e.keyword === 'oneOf' && e.params['passingSchemas'] != null) {
      combinatorIssues.set(e, { pointer: e.instancePath, message: 'must match exactly one of the allowed forms, not several' });
    } else if (branchErrors.length > 0 && branchErrors.every((b) => b.keyword === 'required' && b.instancePath === e.instancePath)) {
      const names = [...new Set(branchErrors.map((b) => String(b.params['missingProperty'])))];
      const quantifier = e.keyword === 'anyOf' ? 'at least one' : 'exactly one';
      combinatorIssues.set(e, { pointer: e.instancePath, message: `must have ${quantifier} of ${names.join(', ')}` });
      for (const b of branchErrors) consumed.add(b);
    } else if (branchErrors.length > 0 || hasDeeperError(errors, e)) {
      combinatorIssues.set(e, null);
    } else {
      combinatorIssues.set(e, { pointer: e.instancePath, message: 'must match one of the allowed forms' });
    }
  });

  for (const e of errors) {
    if (consumed.has(e)) continue;
    if (combinatorIssues.has(e)) {
      const issue = combinatorIssues.get(e);
      if (issue) add(issue.pointer, issue.message);
      continue;
    }
    switch (e.keyword) {
      case 'if':
      case 'propertyNames': // its inner error (which carries propertyName) is the one reported
        continue;
      case 'required':
        add(childPointer(e.instancePath, e.params['missingProperty']), 'is required');
        continue;
      case 'dependencies':
        add(childPointer(e.instancePath, e.params['missingProperty']), `is required when ${e.params['property']} is set`);
        continue;
      case 'additionalProperties':
        add(childPointer(e.instancePath, e.params['additionalProperty']), 'is not allowed here');
        continue;
    }
    const message = describe(e, doc);
    if (e.propertyName !== undefined) {
      add(e.instancePath, `property name ${JSON.stringify(e.propertyName)} ${message}`);
    } else {
      add(e.instancePath, message);
    }
  }
  return issues;
}

function isAtOrBelow(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(ancestor + '/');
}

function hasDeeperError(errors: readonly SchemaError[], e: SchemaError): boolean {
  return errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath + '/'));
}

function childPointer(parent: string, name: unknown): string {
  return `${parent}/${escapePointerToken(String(name))}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/**
 * What each `pattern` in schemas/ means, in words. A test checks that every pattern used by the
 * schemas is listed here, so a new pattern cannot silently fall back to printing the regex.
 */
export const PATTERN_MEANINGS: Readonly<Record<string, string>> = {
  '^/': 'must be an absolute path',
  // SemVer 2.0.0 (semver.org's grammar) for ociVersion.
  '^(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)(?:-(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$':
    'must be a SemVer 2.0.0 version such as 1.3.0',
  '^RLIMIT_[A-Z]+$': 'must be an RLIMIT_* name such as RLIMIT_NOFILE',
  '^[0-9, -]*$': 'must be a CPU list such as 0-3,7',
  '^[rwm]*$': 'must only contain the letters r, w and m',
  '^[1-9][0-9]*[KMG]B$': 'must be a page size such as 64KB, 2MB or 1GB',
  '^MB:[^\\n]*$': 'must start with "MB:" and contain no newline',
  '^[^\\n]*$': 'must not contain a newline',
  '^CAP_[A-Z_]+$': 'must be a CAP_* name such as CAP_CHOWN',
};

export function describePattern(pattern: string): string {
  return PATTERN_MEANINGS[pattern] ?? `must match the pattern ${pattern}`;
}

// uint64/int64 bounds are not exact doubles; print the bound the schema meant, not 18446744073709552000.
const INT64_BOUNDS = new Map<number, string>([
  [18446744073709551615, '18446744073709551615'],
  [9223372036854775807, '9223372036854775807'],
  [-9223372036854775808, '-9223372036854775808'],
]);

function formatLimit(limit: number): string {
  return INT64_BOUNDS.get(limit) ?? String(limit);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** RFC 6901 lookup; undefined when the pointer leads nowhere. */
function valueAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!Object.hasOwn(node, token)) return undefined;
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

/**
 * Lists of upper-case constants (SCMP_ACT_*, SCMP_ARCH_*, SCHED_*, MPOL_*, IOPRIO_CLASS_*...) are long and
 * a wrong entry is usually a near miss, so their errors name the value that was given.
 */
function isConstantList(values: readonly unknown[]): boolean {
  return values.every((v) => typeof v === 'string' && /^[A-Z][A-Z0-9_]*$/.test(v));
}

function describe(e: SchemaError, doc: unknown): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type': {
      const types: string[] = Array.isArray(p['type']) ? p['type'] : String(p['type']).split(',');
      return `must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    }
    case 'enum': {
      const allowed = p['allowedValues'] as unknown[];
      const values = allowed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const given = doc === undefined ? undefined : valueAt(doc, e.instancePath);
      if (given !== undefined && isConstantList(allowed)) return `unknown value ${JSON.stringify(given)}: must be one of ${values.join(', ')}`;
      return `must be one of ${values.join(', ')}`;
    }
    case 'const':
      return `must be ${JSON.stringify(p['allowedValue'])}`;
    case 'minItems':
      return `must have at least ${plural(p['limit'], 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(p['limit'], 'item')}`;
    case 'minLength':
      return p['limit'] === 1 ? 'must not be empty' : `must be at least ${plural(p['limit'], 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(p['limit'], 'character')} long`;
    case 'pattern':
      return describePattern(String(p['pattern']));
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p['comparison']} ${formatLimit(p['limit'])}`;
    default:
      return e.message ?? `fails the ${e.keyword} rule`;
  }
}
