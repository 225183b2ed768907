// The problems a planner finds, each at the JSON pointer of its field; the plan is
// refused with all of them at once.
import { ConfigError, jsonPointer, type ValidationIssue } from '../config/errors.js';

export class PlanIssues {
  readonly list: ValidationIssue[] = [];

  add(tokens: readonly (string | number)[], message: string): void {
    this.list.push({ pointer: jsonPointer(...tokens), message });
  }

  /** Runs a table lookup that throws on an unknown name; the name's field gets the error. */
  lookup<T>(tokens: readonly (string | number)[], fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.add(tokens, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /** Throws one ConfigError naming every issue (`invalid <document>: <pointer>: <message>...`). */
  throwIfAny(document: string): void {
    if (this.list.length > 0) throw ConfigError.invalid(document, this.list);
  }
}
