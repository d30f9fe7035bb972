/**
 * Money is integer fen (1 yuan = 100 fen). No floating point touches an amount: ratios are
 * applied with `applyRatio`, which works on integer basis points and rounds half-up once.
 */
export type Fen = number & { readonly __brand?: 'fen' };

export function fen(value: number): Fen {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer amount of fen: ${value}`);
  return value;
}

/** A ratio as integer basis points (0.70 -> 7000), parsed from its decimal text without floats. */
export function ratioToBasisPoints(ratio: number | string): number {
  const text = typeof ratio === 'number' ? ratio.toString() : ratio.trim();
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(text);
  if (!m) throw new RangeError(`ratio must be a decimal with at most 4 places: ${text}`);
  const bp = Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
  if (bp > 10_000) throw new RangeError(`ratio above 1: ${text}`);
  return bp;
}

/** round(amount x bp / 10000), half-up, in integers only. */
export function applyRatio(amount: Fen, basisPoints: number): Fen {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be non-negative fen: ${amount}`);
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) throw new RangeError(`bad basis points: ${basisPoints}`);
  const product = BigInt(amount) * BigInt(basisPoints);
  return Number((product + 5_000n) / 10_000n);
}

export function sumFen(values: readonly Fen[]): Fen {
  return values.reduce<number>((a, b) => a + b, 0);
}

export function minFen(...values: Fen[]): Fen {
  return Math.min(...values);
}

export function formatYuan(amount: Fen): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
