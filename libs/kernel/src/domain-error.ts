/**
 * Domain errors carry a stable code; the HTTP layer maps the kind once
 * (rule -> 422, conflict -> 409, not-found -> 404, forbidden -> 403, invalid -> 400).
 */
export type DomainErrorKind = 'rule' | 'conflict' | 'not-found' | 'forbidden' | 'invalid';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  /** The input field at fault, when there is one. */
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options: { field?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = new.target.name;
    this.field = options.field;
    this.details = options.details;
  }
}

/** A domain error declared inline: `class Foo extends ruleError('FOO') {}`. */
export function domainError(code: string, kind: DomainErrorKind) {
  return class extends DomainError {
    readonly code = code;
    readonly kind = kind;
  };
}

export function exhaustive(value: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
