// Errors for bad bundle configuration (and the other runtime-spec documents we validate).

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
 * A config.json (or state/features document) that cannot be used: unreadable, not JSON, or invalid.
 * `issues` lists the individual problems when there are any (empty for I/O and syntax errors).
 */
export class ConfigError extends Error {
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
