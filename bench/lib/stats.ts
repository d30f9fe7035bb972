/** Latency samples in milliseconds, kept whole (sorted once at report time): exact percentiles, no buckets. */
export class Samples {
  private values: number[] = [];
  private sorted = true;
  /** When (`now()`) the largest sample was taken: a tail at a run's start reads differently from one spread through it. */
  worstAt = NaN;
  private worst = -Infinity;

  add(ms: number): void {
    this.values.push(ms);
    this.sorted = false;
    if (ms > this.worst) {
      this.worst = ms;
      this.worstAt = now();
    }
  }

  get count(): number {
    return this.values.length;
  }

  percentile(p: number): number {
    if (this.values.length === 0) return NaN;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const rank = Math.min(this.values.length - 1, Math.max(0, Math.ceil((p / 100) * this.values.length) - 1));
    return this.values[rank];
  }

  summary(): LatencySummary {
    return { count: this.count, p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99), max: this.percentile(100) };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Counts by label (e.g. `claim 409 ALREADY_CLAIMED`): failures are shown, never folded away. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
  toString(): string {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join('; ') || 'none';
  }
}

export const ms = (n: number): string => (Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
export const now = (): number => performance.now();
