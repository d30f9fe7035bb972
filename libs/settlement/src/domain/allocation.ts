import type { Fen } from '@rx/kernel';

/**
 * Splits an integer `total` over `weights` so the parts sum to `total` exactly (largest-remainder,
 * Hamilton's method): every part gets floor(total x w / W); the fen left over go one each to the
 * parts with the largest remainders, ties to the lower index (the earlier line). BigInt keeps the
 * products exact for any safe-integer amounts.
 */
export function allocateLargestRemainder(total: Fen, weights: readonly Fen[]): Fen[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be non-negative fen: ${total}`);
  const sum = weights.reduce<bigint>((a, w) => {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weight must be non-negative fen: ${w}`);
    return a + BigInt(w);
  }, 0n);
  if (sum === 0n) {
    if (total !== 0) throw new RangeError(`cannot allocate ${total} over zero weights`);
    return weights.map(() => 0);
  }
  const t = BigInt(total);
  const parts = weights.map((w, i) => {
    const product = t * BigInt(w);
    return { i, base: product / sum, remainder: product % sum };
  });
  let left = t - parts.reduce((a, p) => a + p.base, 0n);
  const order = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const p of order) {
    if (left === 0n) break;
    p.base += 1n;
    left -= 1n;
  }
  return parts.map((p) => Number(p.base));
}
