/**
 * Hodges-Lehmann shift estimate and its confidence interval for x - y (canary minus stable).
 *
 * Estimate: the median of all n·m pairwise differences xi - yj (Hodges & Lehmann 1963). It estimates the median
 * of the difference between a canary and a stable observation, which for a pure location shift is the shift.
 *
 * Interval: the inversion of the Mann-Whitney test with the normal approximation, tie correction and continuity
 * correction, i.e. what R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)` computes (Bauer
 * 1972) and what Kayenta ports. R finds each bound with `uniroot` on the standardised statistic of (x - d, y) as a
 * function of d. That function is a step function that only jumps at pairwise differences, and between two
 * consecutive differences U(d) is simply the number of differences above d and the tie term only counts ties
 * within x and within y. So the root is a pairwise difference: its rank k follows from the normal quantile, and
 * the k-th smallest difference is selected exactly (pairwise-differences.ts) instead of root-finding (R's answer
 * differs by at most uniroot's tolerance, 1e-4).
 *
 * Difference from R: in the approximate case R reports as estimate the root of the same function at z = 0,
 * which lands anywhere on the flat step around the median; the median itself is the textbook estimator.
 */
import { normalQuantile } from "./normal.ts";
import { rankSumSigma, tieTerm } from "./mann-whitney.ts";
import { kthPairwiseDifference, sortPair, type SortedPair } from "./pairwise-differences.ts";

export interface ShiftEstimate {
  /** Median of the pairwise differences x - y. */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
}

/**
 * The d where R's `wdiff(d, zq)` changes sign: the smallest k for which the statistic with U = nm - k pairs above
 * d is at or below zq, giving the k-th smallest difference. Both ends clamp to the extreme differences, as R
 * returns mumin/mumax when no root lies inside.
 */
function invertAt(pair: SortedPair, nm: number, sigma: number, zq: number): number {
  const standardised = (u: number): number => {
    const centred = u - nm / 2;
    return (centred - Math.sign(centred) * 0.5) / sigma;
  };
  // standardised(nm - k) decreases in k, so a binary search finds the first k where it is <= zq.
  let lo = 0;
  let hi = nm + 1; // nm + 1 stands for "never"
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid <= nm && standardised(nm - mid) <= zq) hi = mid;
    else lo = mid + 1;
  }
  return kthPairwiseDifference(pair, Math.min(Math.max(lo, 1), nm));
}

/** The middle of two neighbouring order statistics; -∞ and +∞ meet at 0 (where a plain average is NaN). */
function midpoint(a: number, b: number): number {
  if (a === b) return a;
  if (a === Number.NEGATIVE_INFINITY && b === Number.POSITIVE_INFINITY) return 0;
  return (a + b) / 2;
}

/**
 * Requires both samples non-empty and without NaN; ±Infinity are values (the worst latency is +Inf), so the
 * estimate and the bounds may be infinite, never NaN. confidence is two-sided, e.g. 0.98.
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence: number): ShiftEstimate {
  const n = x.length;
  const m = y.length;
  const nm = n * m;
  const pair = sortPair(x, y);
  const estimate = nm % 2 === 1 ? kthPairwiseDifference(pair, (nm + 1) / 2) : midpoint(kthPairwiseDifference(pair, nm / 2), kthPairwiseDifference(pair, nm / 2 + 1));
  // Between jump points only ties inside each sample remain (x - d never equals a y there).
  const sigma = rankSumSigma(n, m, tieTerm(x) + tieTerm(y));
  if (!(sigma > 0)) return { estimate, lower: kthPairwiseDifference(pair, 1), upper: kthPairwiseDifference(pair, nm), confidence };
  const zq = normalQuantile(1 - (1 - confidence) / 2);
  return {
    estimate,
    lower: invertAt(pair, nm, sigma, zq),
    upper: invertAt(pair, nm, sigma, -zq),
    confidence,
  };
}
