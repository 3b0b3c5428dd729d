/**
 * Order statistics of the n·m pairwise differences xi - yj without materialising them.
 *
 * With x and y sorted, the differences at most d form, for each xi, a suffix of y (xi - yj falls as yj grows),
 * and that suffix starts later as xi grows; so counting them is one O(n + m) sweep. The k-th smallest difference
 * is the smallest difference whose count reaches k, found by bisecting on the value until no double lies
 * between the bounds, then read back as an actual difference. Memory stays O(n + m) and time O((n + m) · 64)
 * or so, where sorting all n·m differences would need 8·n·m bytes (80 MB at 3,600 points per side).
 *
 * ±Infinity (Prometheus' "+Inf", the worst value of a latency) are values too, in the extended reals: a
 * difference with one infinite side is that infinity, and ∞ - ∞ of the same sign is 0 (two equally extreme
 * values tie, as in the rank test). Bisecting cannot reach an infinity, so the infinities are counted apart:
 * the -∞ differences come first, then the finite ones merged with the zeros of ∞ - ∞, then the +∞ ones.
 */

/** How many values of one sample are +∞ and -∞. */
export interface Infinities {
  readonly positive: number;
  readonly negative: number;
}

/** Both samples sorted: their finite values (x, y) and their infinities. NaN must be removed before. */
export interface SortedPair {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly xInfinite: Infinities;
  readonly yInfinite: Infinities;
}

function infinities(values: readonly number[]): Infinities {
  let positive = 0;
  let negative = 0;
  for (const v of values) {
    if (v === Number.POSITIVE_INFINITY) positive++;
    else if (v === Number.NEGATIVE_INFINITY) negative++;
  }
  return { positive, negative };
}

export function sortPair(x: readonly number[], y: readonly number[]): SortedPair {
  const finite = (values: readonly number[]) => Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  return { x: finite(x), y: finite(y), xInfinite: infinities(x), yInfinite: infinities(y) };
}

/** #{(i, j): xi - yj <= d} over the finite values. */
export function countAtMost(pair: SortedPair, d: number): number {
  const { x, y } = pair;
  const m = y.length;
  let j = 0;
  let count = 0;
  for (const xi of x) {
    while (j < m && xi - (y[j] as number) > d) j++;
    count += m - j;
  }
  return count;
}

/** max{xi - yj : xi - yj <= d}, or -Infinity when there is none. */
function largestAtMost(pair: SortedPair, d: number): number {
  const { x, y } = pair;
  const m = y.length;
  let j = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (const xi of x) {
    while (j < m && xi - (y[j] as number) > d) j++;
    if (j < m) best = Math.max(best, xi - (y[j] as number));
  }
  return best;
}

/** The k-th smallest (1-based) of the finite values' differences; requires both non-empty, 1 <= k <= n·m. */
function kthFiniteDifference(pair: SortedPair, k: number): number {
  const { x, y } = pair;
  const smallest = (x[0] as number) - (y[y.length - 1] as number);
  let hi = (x[x.length - 1] as number) - (y[0] as number); // count(hi) = n·m >= k
  if (k <= 1) return smallest;
  let lo = smallest; // count(lo) >= 1; the loop keeps count(lo) < k once it moves, so start below it
  if (countAtMost(pair, lo) >= k) return smallest;
  for (let step = 0; step < 2200; step++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (countAtMost(pair, mid) >= k) hi = mid;
    else lo = mid;
  }
  return largestAtMost(pair, hi);
}

/** The k-th smallest (1-based) of all n·m pairwise differences, infinities included; requires 1 <= k <= n·m. */
export function kthPairwiseDifference(pair: SortedPair, k: number): number {
  const { x, y, xInfinite: xi, yInfinite: yi } = pair;
  const minusInfinite = xi.negative * (y.length + yi.positive) + x.length * yi.positive;
  const zeros = xi.positive * yi.positive + xi.negative * yi.negative; // ∞ - ∞ of the same sign
  const finite = x.length * y.length;
  if (k <= minusInfinite) return Number.NEGATIVE_INFINITY;
  if (k > minusInfinite + zeros + finite) return Number.POSITIVE_INFINITY;
  const j = k - minusInfinite;
  if (zeros === 0) return kthFiniteDifference(pair, j);
  // Differences are doubles, so a negative one is at most -MIN_VALUE.
  if (finite > 0 && j <= countAtMost(pair, -Number.MIN_VALUE)) return kthFiniteDifference(pair, j);
  if (j <= (finite > 0 ? countAtMost(pair, 0) : 0) + zeros) return 0;
  return kthFiniteDifference(pair, j - zeros);
}
