/**
 * PromQL's `histogram_quantile(q, ...)` on a classic (le-bucketed) histogram: `bucketQuantile` in
 * prometheus/prometheus promql/quantile.go. The rules:
 * - q NaN → NaN, q < 0 → -Inf, q > 1 → +Inf; no +Inf bucket, fewer than two buckets or no observations → NaN;
 * - buckets with the same bound are merged, counts within 1e-12 (relative) of the previous bucket's are set equal
 *   to it, and the counts are made monotonic (an independently extrapolated `increase()` per bucket can break it);
 * - rank = q × (count of the +Inf bucket); the first bucket whose cumulative count reaches the rank holds the
 *   quantile, linearly interpolated inside it, the lowest bucket starting at 0 (when its bound is > 0);
 * - a rank in the +Inf bucket returns the highest finite bound: the quantile is capped there, silently.
 */

export interface CumulativeBucket {
  /** Upper bound in seconds; the last bucket is +Inf (Infinity). */
  readonly le: number;
  /** Cumulative count (or rate) of observations <= le. */
  readonly count: number;
}

/**
 * The core on buckets already sorted by bound with distinct bounds (the bench's fixed layout): `les` ascending,
 * `counts` cumulative. `scratch` (same length) is overwritten; pass one to avoid an allocation per call.
 */
export function quantileOfSortedBuckets(q: number, les: ArrayLike<number>, counts: ArrayLike<number>, scratch?: Float64Array): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const n = les.length;
  if (n < 2 || les[n - 1] !== Number.POSITIVE_INFINITY) return Number.NaN;
  const c = scratch ?? new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = counts[i] ?? 0;
  // correctPrecisionErrors(buckets, 1e-12), then ensureMonotonic, as in quantile.go.
  let previous = c[0] ?? 0;
  for (let i = 1; i < n; i++) {
    const current = c[i] ?? 0;
    const delta = Math.abs(current - previous);
    if (delta === 0) continue;
    if (delta / current <= 1e-12) c[i] = previous;
    else previous = current;
  }
  let max = c[0] ?? 0;
  for (let i = 1; i < n; i++) {
    const current = c[i] ?? 0;
    if (current > max) max = current;
    else if (current < max) c[i] = max;
  }
  const observations = c[n - 1] ?? 0;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < n - 1 && (c[b] ?? 0) < rank) b++;
  if (b === n - 1) return les[n - 2] ?? Number.NaN;
  const bucketEnd = les[b] ?? Number.NaN;
  if (b === 0 && bucketEnd <= 0) return bucketEnd;
  let bucketStart = 0;
  let count = c[b] ?? 0;
  if (b > 0) {
    bucketStart = les[b - 1] ?? 0;
    count -= c[b - 1] ?? 0;
    rank -= c[b - 1] ?? 0;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** histogram_quantile on buckets in any order, possibly with repeated bounds (merged, as Prometheus does). */
export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const les: number[] = [];
  const counts: number[] = [];
  for (const { le, count } of sorted) {
    if (les.length > 0 && les[les.length - 1] === le) counts[counts.length - 1] = (counts[counts.length - 1] ?? 0) + count;
    else {
      les.push(le);
      counts.push(count);
    }
  }
  return quantileOfSortedBuckets(q, les, counts);
}
