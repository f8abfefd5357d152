/** Order statistics for benchmark samples. Pure: no clocks, no I/O. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

/**
 * The p-th percentile (0–100) of sorted samples, interpolating linearly between the two closest
 * ranks (the usual "type 7" definition), so p50 of an even count is the mean of the middle two.
 * With a handful of samples p95 is close to the maximum: read it as "the slow end", not a tail.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower]!;
  const high = sorted[upper]!;
  return low + (high - low) * (rank - lower);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((total, value) => total + value, 0) / sorted.length,
  };
}

/** How many times the baseline's value this is; null when the baseline is zero or missing. */
export function ratio(value: number, baseline: number | undefined): number | null {
  if (baseline === undefined || !(baseline > 0)) return null;
  return value / baseline;
}
