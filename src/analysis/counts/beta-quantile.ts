/**
 * The regularized incomplete beta function I_x(a, b) (the Beta(a, b) distribution function) and its inverse,
 * for the Clopper-Pearson bounds of error-ratio-bound.ts. simple-statistics has gammaln but no incomplete beta,
 * and these few lines are cheaper than a dependency for one function.
 *
 * Method: the continued fraction of DLMF 8.17.22, evaluated by the modified Lentz algorithm (W. H. Press et
 * al., "Numerical Recipes", 3rd ed., §6.4 `betacf`), on the side of the mean where it converges fast
 * (x < (a + 1) / (a + b + 2)), with I_x(a, b) = 1 − I_{1−x}(b, a) on the other. The inverse is bisection on x:
 * slower than Newton's method but it cannot diverge, and it ends on the side of the answer the caller asks
 * for, so a confidence bound built from it is never optimistic beyond the accuracy of I_x itself: about 1e-11
 * relative at 10^4 requests and 1e-7 at 10^8, limited by simple-statistics' gammaln in log B(a, b) (a level
 * of α read as α·(1 ± 1e-7) changes no decision). Pinned against R's pbeta and qbeta in
 * test/analysis/counts/beta-quantile.test.ts.
 */
import { gammaln } from "simple-statistics";

const EPSILON = 1e-15;
const TINY = 1e-300;
/** The fraction needs O(sqrt(max(a, b))) terms at worst: enough for a billion requests. */
const MAX_TERMS = 200_000;

function continuedFraction(x: number, a: number, b: number): number {
  const tiny = (v: number) => (Math.abs(v) < TINY ? TINY : v);
  let c = 1;
  let d = 1 / tiny(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= MAX_TERMS; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / tiny(1 + even * d);
    c = tiny(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / tiny(1 + odd * d);
    c = tiny(1 + odd / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) return h;
  }
  throw new Error(`incomplete beta: the continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

/** I_x(a, b) = P(Beta(a, b) ≤ x), for a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a > 0 and b > 0, got a=${a}, b=${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // log of x^a (1 − x)^b / B(a, b); log1p keeps (1 − x) exact for the small x of error ratios.
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (gammaln(a) + gammaln(b) - gammaln(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * continuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * continuedFraction(1 - x, b, a)) / b;
}

/**
 * The q-quantile of Beta(a, b), from below: the largest x found with I_x(a, b) ≤ q (to a relative 1e-13, or
 * the smallest double), so a lower confidence bound made of it errs low, never high.
 */
export function betaQuantileBelow(q: number, a: number, b: number): number {
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  let lo = 0; // I = 0 ≤ q
  let hi = 1; // I = 1 > q
  for (let i = 0; i < 2000 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) break; // no double between them
    if (incompleteBeta(mid, a, b) <= q) lo = mid;
    else hi = mid;
  }
  return lo;
}
