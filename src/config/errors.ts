// Errors for bad bundle configuration (and the other runtime-spec documents we validate).
import { RuntimeError } from '../errors.js';

/** One problem in a JSON document: where (RFC 6901 JSON pointer, '' is the whole document) and what. */
export interface ValidationIssue {
  pointer: string;
  message: string;
}

/** Renders an issue as `pointer: message`; the whole document is shown as `(root)`. */
export function formatIssue(issue: ValidationIssue): string {
  return `${issue.pointer === '' ? '(root)' : issue.pointer}: ${issue.message}`;
}

/** Renders issues one per line. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

/** Escapes one reference token of a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a JSON pointer from unescaped tokens: jsonPointer('linux', 'sysctl', 'net.ipv4/x') */
export function jsonPointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => '/' + escapePointerToken(t)).join('');
}

/**
 * Sorts issues into reading order of the document they point into: fields in the order they appear
 * (a missing field after its present siblings), array items by index, a parent before its children.
 * The sort is stable, so issues about the same place keep their order.
 */
export function sortIssuesByDocumentOrder(issues: readonly ValidationIssue[], doc: unknown): ValidationIssue[] {
  const keyed = issues.map((issue) => ({ issue, key: documentPosition(doc, issue.pointer) }));
  keyed.sort((a, b) => comparePositions(a.key, b.key));
  return keyed.map((k) => k.issue);
}

function documentPosition(doc: unknown, pointer: string): number[] {
  const position: number[] = [];
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(token) ? Number(token) : Number.MAX_SAFE_INTEGER;
      position.push(index);
      node = node[index];
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const index = keys.indexOf(token);
      position.push(index < 0 ? keys.length : index);
      node = index < 0 ? undefined : (node as Record<string, unknown>)[token];
    } else {
      position.push(Number.MAX_SAFE_INTEGER);
      node = undefined;
    }
  }
  return position;
}

function comparePositions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * A config.json (or state/features document) that cannot be used: unreadable, not JSON, or invalid.
 * `issues` lists the individual problems when there are any (empty for I/O and syntax errors).
 */
export class ConfigError extends RuntimeError {
  override readonly name = 'ConfigError';
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = issues;
  }

  /** `invalid <document>: <issue>\n<issue>...` */
  static invalid(document: string, issues: readonly ValidationIssue[]): ConfigError {
    return new ConfigError(`invalid ${document}: ${formatIssues(issues)}`, issues);
  }
}
