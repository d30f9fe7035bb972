/**
 * One definition of every text field's limits, used by the HTTP request checks (through
 * `@rx/runtime`'s `IsText`) and by the event contracts alike, so what the edge accepts every
 * consumer accepts. Lengths count Unicode code points: a character outside the Basic Multilingual
 * Plane (𝕏, 𠮷) is one character, as people count it, although JavaScript stores it as two
 * UTF-16 units. A lone surrogate is not text (it cannot be encoded as UTF-8) and is refused.
 */
export interface TextLimit {
  /** Most code points allowed (at least one is always required). */
  readonly max: number;
  /** Whether whitespace alone is acceptable; default false. */
  readonly blankAllowed?: boolean;
}

export const TextLimits = {
  /** Identifiers carried in events (prescription, dispense, claim ids and the like). */
  id: { max: 128 },
  /** Diagnosis names as the physician writes them. */
  diagnosisName: { max: 200 },
  /** Reasons people write: revocation, review rejection, reversal, refused settlement line. */
  reason: { max: 500 },
  /** Batch numbers and traceability codes as the pharmacy enters them. */
  batchNo: { max: 64 },
  traceCode: { max: 64 },
  /** Alert summaries (one line for people). */
  alertSummary: { max: 512 },
} as const satisfies Record<string, TextLimit>;

/** Code points in `s` (a surrogate pair counts once, a lone surrogate once). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** True when `s` has no unpaired surrogate, i.e. it can be written as UTF-8 and read back unchanged. */
export function isWellFormedText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (d < 0xdc00 || d > 0xdfff) return false;
    i++;
  }
  return true;
}

/** What is wrong with `value` as text under `limit` ("must be …"), or undefined when it is fine. */
export function textProblem(value: unknown, limit: TextLimit): string | undefined {
  const what = `must be a${limit.blankAllowed ? '' : ' non-blank'} string of 1 to ${limit.max} characters`;
  if (typeof value !== 'string' || value.length === 0) return what;
  // Cheap bound first: code points never exceed UTF-16 units, and never fall below half of them.
  if (value.length > 2 * limit.max) return what;
  if (value.length > limit.max && codePointLength(value) > limit.max) return what;
  if (!limit.blankAllowed && value.trim().length === 0) return what;
  if (!isWellFormedText(value)) return 'must be well-formed Unicode text (no unpaired surrogate)';
  return undefined;
}

/** The first `max` code points of `s` (never splits a surrogate pair). */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (n === max) return s.slice(0, i);
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return s;
}
