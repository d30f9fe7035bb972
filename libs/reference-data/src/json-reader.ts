import { ratioToBasisPoints } from '@rx/kernel';
import { ReferenceDataError } from './reference-data.error';

/**
 * A tiny path-tracking reader for hand-validated JSON. Each accessor throws a ReferenceDataError
 * naming the file and the exact field (`[2].referencePriceFen`), so a bad file stops start-up
 * with a message an operator can act on.
 */
export class JsonReader {
  constructor(
    readonly file: string,
    readonly value: unknown,
    readonly path: string = '',
  ) {}

  fail(problem: string, path: string = this.path): never {
    throw new ReferenceDataError(this.file, path, problem);
  }

  private child(key: string | number): string {
    if (typeof key === 'number') return `${this.path}[${key}]`;
    return this.path ? `${this.path}.${key}` : key;
  }

  at(key: string | number): JsonReader {
    if (typeof key === 'number') return new JsonReader(this.file, (this.value as unknown[])[key], this.child(key));
    return new JsonReader(this.file, (this.value as Record<string, unknown>)[key], this.child(key));
  }

  array(opts: { min?: number; max?: number } = {}): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail('must be an array', this.path || '(root)');
    const arr = this.value as unknown[];
    if (opts.min !== undefined && arr.length < opts.min) this.fail(`must have at least ${opts.min} entries`, this.path || '(root)');
    if (opts.max !== undefined && arr.length > opts.max) this.fail(`must have at most ${opts.max} entries`, this.path || '(root)');
    return arr.map((_, i) => this.at(i));
  }

  /** Checks this is an object with exactly the allowed keys (typos in data fail loudly). */
  object(required: readonly string[], optional: readonly string[] = []): this {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) this.fail('must be an object', this.path || '(root)');
    const o = this.value as Record<string, unknown>;
    for (const k of required) if (o[k] === undefined) this.fail('is required', this.child(k));
    const allowed = new Set([...required, ...optional]);
    for (const k of Object.keys(o)) if (!allowed.has(k)) this.fail('is not a known field', this.child(k));
    return this;
  }

  has(key: string): boolean {
    return (this.value as Record<string, unknown>)[key] !== undefined;
  }

  string(opts: { pattern?: RegExp; max?: number } = {}): string {
    const v = this.value;
    if (typeof v !== 'string' || v.trim().length === 0) this.fail('must be a non-empty string');
    const s = v as string;
    if (opts.max !== undefined && s.length > opts.max) this.fail(`must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(s)) this.fail(`must match ${opts.pattern}`);
    return s;
  }

  oneOf<T extends string | number>(allowed: readonly T[]): T {
    if (!allowed.includes(this.value as T)) this.fail(`must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return this.value as T;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail('must be a boolean');
    return this.value as boolean;
  }

  integer(opts: { min?: number; max?: number } = {}): number {
    const v = this.value;
    const min = opts.min ?? Number.MIN_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(min === 0 ? 'must be a non-negative integer' : 'must be an integer');
    const n = v as number;
    if (n < min) this.fail(min === 0 ? 'must be a non-negative integer' : min === 1 ? 'must be a positive integer' : `must be an integer >= ${min}`);
    if (opts.max !== undefined && n > opts.max) this.fail(`must be an integer <= ${opts.max}`);
    return n;
  }

  /** A ratio as decimal text ("0.70"), parsed without floats by ratioToBasisPoints. */
  ratio(): string {
    const s = this.value;
    if (typeof s !== 'string') this.fail('must be a decimal string such as "0.70"');
    try {
      ratioToBasisPoints(s as string);
    } catch (e) {
      this.fail(`must be a decimal ratio between 0 and 1 with at most 4 places (${(e as Error).message})`);
    }
    return s as string;
  }

  /** ISO-8601 instant with an explicit offset. */
  instant(): string {
    const s = this.string();
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) || Number.isNaN(Date.parse(s))) {
      this.fail('must be an ISO-8601 date-time with an offset');
    }
    return s;
  }

  /** ISO calendar date YYYY-MM-DD that exists. */
  date(): string {
    const s = this.string();
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3])) {
      this.fail('must be a calendar date YYYY-MM-DD');
    }
    return s;
  }

  stringArray(opts: { pattern?: RegExp; max?: number } = {}): string[] {
    const values = this.array().map((r) => r.string(opts));
    const seen = new Set<string>();
    values.forEach((v, i) => {
      if (seen.has(v)) this.at(i).fail(`duplicates ${JSON.stringify(v)}`);
      seen.add(v);
    });
    return values;
  }
}
