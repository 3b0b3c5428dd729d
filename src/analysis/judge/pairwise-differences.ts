/**
 * Order statistics of the n·m pairwise differences xi - yj without materialising them.
 *
 * With x and y sorted, the differences at most d form, for each xi, a suffix of y (xi - yj falls as yj grows),
 * and that suffix starts later as xi grows; so counting them is one O(n + m) sweep. The k-th smallest difference
 * is the smallest difference whose count reaches k, found by bisecting on the value until no double lies
 * between the bounds, then read back as an actual difference. Memory stays O(n + m) and time O((n + m) · 64)
 * or so, where sorting all n·m differences would need 8·n·m bytes (80 MB at 3,600 points per side).
 */

export interface SortedPair {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export function sortPair(x: readonly number[], y: readonly number[]): SortedPair {
  return { x: Float64Array.from(x).sort(), y: Float64Array.from(y).sort() };
}

/** #{(i, j): xi - yj <= d}. */
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

/** The k-th smallest (1-based) of the pairwise differences; requires 1 <= k <= n·m. */
export function kthPairwiseDifference(pair: SortedPair, k: number): number {
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
