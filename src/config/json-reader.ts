// The JSON reader for the documents a user hands to ocirt (config.json, exec's process.json, update's
// resources). JSON.parse builds the values; one linear scan of the text then enforces what JSON.parse
// cannot:
// - a nesting limit, so that no later recursive walk (the schema validator, JSON.stringify of the state)
//   can run out of stack once the container is half made;
// - exact integers: JSON.parse rounds an integer beyond 2^53 to the nearest double (2^53+1 → 2^53,
//   2^63-1 → 2^63, 2^64 → 2^64 = "unlimited" for an rlimit). Such a literal is refused with its pointer,
//   unless the caller accepts it as the uint64 maximum at that place (rlimits), where the rounded double
//   keeps its meaning: u64() and the setrlimit path read 2^64 as RLIM_INFINITY.

import { ConfigError, jsonPointer, type ValidationIssue } from './errors.js';

/** Deeper than any runtime-spec document (about 7 levels) by far, shallow enough for every recursive walk. */
export const MAX_JSON_DEPTH = 100;

/** 18446744073709551615: what engines write for an unlimited uint64 (RLIM_INFINITY). */
export const UINT64_MAX_TEXT = '18446744073709551615';

export interface ReadJsonOptions {
  /** Name used in messages: `invalid <document>: ...`. */
  document?: string;
  /** Pointers where the literal 18446744073709551615 is accepted (and read as 2^64). */
  acceptsUint64Max?: (pointer: string) => boolean;
}

/** `/process/rlimits/N/soft|hard` of a config, or `/rlimits/N/soft|hard` of a process document. */
export function isRlimitValue(pointer: string): boolean {
  return /^(?:\/process)?\/rlimits\/\d+\/(?:soft|hard)$/.test(pointer);
}

/**
 * Parses `text`; throws ConfigError for a syntax error (with line and column), a document nested deeper
 * than MAX_JSON_DEPTH, or an integer that a double cannot hold exactly (each with its JSON pointer).
 */
export function readJson(text: string, options: ReadJsonOptions = {}): unknown {
  const document = options.document ?? 'config.json';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw syntaxError(text, err, document);
  }
  const issues = scanJson(text, options.acceptsUint64Max ?? (() => false));
  if (issues.length > 0) throw ConfigError.invalid(document, issues);
  return value;
}

function syntaxError(text: string, err: unknown, document: string): ConfigError {
  const message = err instanceof Error ? err.message : String(err);
  const m = / in JSON at position (\d+)/.exec(message);
  // V8 gives a character offset for most errors and none for "Unexpected end of JSON input".
  const offset = m ? Number(m[1]) : text.length;
  const { line, column } = lineAndColumn(text, offset);
  const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
  return new ConfigError(`invalid ${document}: JSON syntax error at line ${line}, column ${column}: ${what}`, [], { cause: err });
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** One open object or array: where its current member's key is in the text, or its current index. */
interface Frame {
  array: boolean;
  index: number;
  keyStart: number;
  keyEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Walks text that JSON.parse accepted. Stops at the first container that is too deep (its contents do
 * not matter); reports every inexact integer.
 */
function scanJson(text: string, acceptsUint64Max: (pointer: string) => boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: Frame[] = [];
  const pointerOf = (): string =>
    jsonPointer(...stack.map((f) => (f.array ? f.index : (JSON.parse(text.slice(f.keyStart, f.keyEnd)) as string))));
  let expectKey = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      i++;
      if (expectKey) {
        const top = stack[stack.length - 1]!;
        top.keyStart = start;
        top.keyEnd = i;
        expectKey = false;
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= MAX_JSON_DEPTH) {
        issues.push({ pointer: pointerOf(), message: `is nested more than ${MAX_JSON_DEPTH} levels deep` });
        return issues;
      }
      stack.push({ array: c === 0x5b, index: 0, keyStart: 0, keyEnd: 0 });
      expectKey = c === 0x7b;
      i++;
      continue;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      i++;
      continue;
    }
    if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1]!;
      if (top.array) top.index++;
      else expectKey = true;
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      // A literal of at most 15 digits without an exponent is always exact: skip the conversion.
      if (i - start > 15 || hasExponent(text, start, i)) {
        const literal = text.slice(start, i);
        const value = Number(literal);
        if (!Number.isSafeInteger(value) && (Number.isInteger(value) || !Number.isFinite(value))) {
          const pointer = pointerOf();
          if (!(literal === UINT64_MAX_TEXT && acceptsUint64Max(pointer))) issues.push({ pointer, message: inexactMessage(literal) });
        }
      }
      continue;
    }
    i++; // whitespace, ':', true, false, null
  }
  return issues;
}

function hasExponent(text: string, start: number, end: number): boolean {
  for (let j = start; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x65 || c === 0x45) return true;
  }
  return false;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
}

function inexactMessage(literal: string): string {
  return (
    `${literal} cannot be used: integers beyond ±9007199254740991 (2^53-1) are not held exactly ` +
    `(only ${UINT64_MAX_TEXT}, unlimited, is accepted, for rlimits)`
  );
}
