/**
 * A side's latency histogram over one look's interval, as `sum by (le) (increase(x_bucket[W]))` returns it:
 * cumulative counts by upper bound, +Inf last. What the request judge needs from it: how many requests in all,
 * how many slower than a bound (a bucket bound: no interpolation), where a quantile falls, and whether the
 * histogram can see the tail at all (requests in the +Inf bucket have no upper bound: they are the worst case,
 * never missing data).
 */

export type CumulativeBucket = { le: number; count: number };

export type Histogram = {
  /** Finite bounds ascending, then +Inf: cumulative counts, made monotone (Prometheus' increase can wobble). */
  buckets: CumulativeBucket[];
  total: number;
};

export type HistogramProblem = { problem: string };

/** Parse and check one side's buckets: they need a +Inf bucket (the total) and at least one finite bound. */
export function histogramOf(raw: readonly CumulativeBucket[], side: string): Histogram | HistogramProblem {
  const buckets = [...raw].filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le);
  const inf = buckets.find((b) => b.le === Number.POSITIVE_INFINITY);
  if (!inf) return { problem: `the ${side}'s buckets have no le="+Inf" bucket, so the total is unknown; query the _bucket series with sum by (le)` };
  if (buckets.length < 2) return { problem: `the ${side}'s histogram has no finite bucket bound; the judge needs the _bucket series, not _count` };
  // Cumulative counts never decrease; extrapolated increases can, by a little. Keep the running maximum.
  let running = 0;
  const monotone = buckets.map((b) => {
    running = Math.max(running, Number.isFinite(b.count) && b.count > 0 ? b.count : 0);
    return { le: b.le, count: running };
  });
  return { buckets: monotone, total: running };
}

export const isHistogramProblem = (h: Histogram | HistogramProblem): h is HistogramProblem => "problem" in h;

/** Finite bucket bounds, ascending. */
export const finiteBounds = (h: Histogram): number[] => h.buckets.filter((b) => Number.isFinite(b.le)).map((b) => b.le);

/** Requests slower than `bound` (a bucket bound of the histogram): total minus the bucket at `le = bound`. */
export function slowerThan(h: Histogram, bound: number): number {
  const at = h.buckets.find((b) => b.le === bound);
  return at === undefined ? 0 : Math.max(0, h.total - at.count);
}

/** Add two histograms bucket by bucket (the pooled requests of both sides, or of several looks). */
export function addHistograms(a: Histogram, b: Histogram): Histogram {
  const bounds = [...new Set([...a.buckets.map((x) => x.le), ...b.buckets.map((x) => x.le)])].sort((x, y) => x - y);
  const countAt = (h: Histogram, le: number) => {
    // Cumulative: the count at the largest bound ≤ le.
    let c = 0;
    for (const bucket of h.buckets) if (bucket.le <= le) c = bucket.count;
    return c;
  };
  const buckets = bounds.map((le) => ({ le, count: countAt(a, le) + countAt(b, le) }));
  return { buckets, total: a.total + b.total };
}

/**
 * The smallest bucket bound at or above the q-quantile of `h` (the bucket the quantile falls in), or undefined
 * when it falls in the +Inf bucket (beyond the highest finite bound: the histogram cannot resolve that level).
 */
export function boundAtQuantile(h: Histogram, q: number): number | undefined {
  if (h.total <= 0) return undefined;
  const rank = q * h.total;
  const found = h.buckets.find((b) => b.count >= rank);
  return found && Number.isFinite(found.le) ? found.le : undefined;
}

/**
 * The bound a "slower than" test for level q looks at, from the pooled histogram of earlier looks: an edge of the
 * bucket the q-quantile falls in, whichever is nearer the quantile on a log scale of "share slower than it". The
 * upper edge has less than 1 - q beyond it, the lower edge at least 1 - q; the lower edge is taken when
 * share(lower) x share(upper) < (1 - q)^2. That catches a tail that sits inside one bucket (a timeout, a slow
 * dependency answering in one band): the quantile falls in that bucket, and beyond its upper edge nothing could
 * show it. The share beyond the upper edge counts one request more than seen, so that "none beyond it yet" in a
 * small pool does not count as "none at all". A quantile beyond every finite bound tests the highest one (the +Inf
 * requests). Chosen from earlier looks only, so every test stays exact.
 */
export function tailBoundAtQuantile(h: Histogram, q: number): number | undefined {
  if (h.total <= 0) return undefined;
  const bounds = finiteBounds(h);
  const upper = boundAtQuantile(h, q);
  if (upper === undefined) return bounds.at(-1);
  const lower = bounds.filter((b) => b < upper).at(-1);
  const beyondUpper = (slowerThan(h, upper) + 1) / (h.total + 1);
  const beyondLower = lower === undefined ? 1 : slowerThan(h, lower) / h.total;
  return lower !== undefined && beyondLower * beyondUpper < (1 - q) ** 2 ? lower : upper;
}

/** Share of the requests in the +Inf bucket (slower than every finite bound). */
export function beyondHighestBound(h: Histogram): number {
  const bounds = finiteBounds(h);
  const highest = bounds[bounds.length - 1];
  return h.total > 0 && highest !== undefined ? slowerThan(h, highest) / h.total : 0;
}

/**
 * The q-quantile as Prometheus' histogram_quantile estimates it: linear within the bucket the rank falls in (from
 * 0 for the first bucket); undefined without requests. In the +Inf bucket there is no upper edge: the answer is
 * the highest finite bound, marked `aboveHighestBucket` (the true value is larger, by an unknown amount).
 */
export function interpolatedQuantile(h: Histogram, q: number): { value: number; aboveHighestBucket?: true } | undefined {
  if (!(h.total > 0)) return undefined;
  const rank = q * h.total;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank && b.count > below) {
      if (!Number.isFinite(b.le)) return { value: lower, aboveHighestBucket: true };
      return { value: lower + ((b.le - lower) * (rank - below)) / (b.count - below) };
    }
    if (Number.isFinite(b.le)) lower = b.le;
    below = b.count;
  }
  return { value: lower, aboveHighestBucket: true };
}
