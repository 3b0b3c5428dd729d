/**
 * Clopper-Pearson bounds on an error ratio from x failed of n requests: exact (from the binomial itself, no
 * normal approximation), so P(p < lower) ≤ level and P(p > upper) ≤ level at every p and n, however few errors.
 * C. J. Clopper, E. S. Pearson, "The use of confidence or fiducial limits illustrated in the case of the
 * binomial", Biometrika 1934; as Beta quantiles: lower = qbeta(level, x, n − x + 1).
 */
import { betaQuantileBelow } from "./beta-quantile.ts";

/** The error ratio is at least this, except with probability `level`: 0 with no errors (nothing rules out 0). */
export function errorRatioAtLeast(x: number, n: number, level: number): number {
  if (x <= 0 || n <= 0) return 0;
  const failed = Math.min(x, n);
  return betaQuantileBelow(level, failed, n - failed + 1);
}

/**
 * The error ratio is at most this, except with probability `level`: 1 with every request failed. The lower
 * bound of the successes' ratio, turned over, so it errs high as the lower bound errs low.
 */
export function errorRatioAtMost(x: number, n: number, level: number): number {
  if (n <= 0) return 1;
  return 1 - errorRatioAtLeast(n - Math.max(0, x), n, level);
}
