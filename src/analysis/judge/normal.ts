/**
 * Standard normal distribution functions precise enough for small p-values.
 *
 * simple-statistics' `cumulativeStdNormalProbability` is a 4-decimal table and its `probit` uses a closed-form
 * approximation with a relative error near 1e-3, both too coarse for a 98% interval or a p-value of 1e-6.
 * The CDF below is Hart's double-precision rational approximation as published by G. West, "Better approximations
 * to cumulative normal functions" (Wilmott, 2005), accurate to about 1e-15 absolute and computed on the tail
 * directly so that small tail probabilities keep their relative precision. The quantile starts from
 * simple-statistics' `probit` and polishes it with Newton steps on that CDF.
 */
import { probit } from "simple-statistics";

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** P(Z > x) for x >= 0, computed directly (no 1 - CDF cancellation). */
function upperTailOfNonNegative(x: number): number {
  if (x > 37) return 0;
  const e = Math.exp((-x * x) / 2);
  if (x < 7.07106781186547) {
    let num = 3.52624965998911e-2 * x + 0.700383064443688;
    num = num * x + 6.37396220353165;
    num = num * x + 33.912866078383;
    num = num * x + 112.079291497871;
    num = num * x + 221.213596169931;
    num = num * x + 220.206867912376;
    let den = 8.83883476483184e-2 * x + 1.75566716318264;
    den = den * x + 16.064177579207;
    den = den * x + 86.7807322029461;
    den = den * x + 296.564248779674;
    den = den * x + 637.333633378831;
    den = den * x + 793.826512519948;
    den = den * x + 440.413735824752;
    return (e * num) / den;
  }
  // Continued fraction for the far tail.
  let cf = x + 0.65;
  cf = x + 4 / cf;
  cf = x + 3 / cf;
  cf = x + 2 / cf;
  cf = x + 1 / cf;
  return e / cf / SQRT_2PI;
}

/** Φ(x) = P(Z <= x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? 1 - upperTailOfNonNegative(x) : upperTailOfNonNegative(-x);
}

/** 1 - Φ(x) = P(Z > x), precise in the upper tail. */
export function normalSurvival(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? upperTailOfNonNegative(x) : 1 - upperTailOfNonNegative(-x);
}

function normalDensity(x: number): number {
  return Math.exp((-x * x) / 2) / SQRT_2PI;
}

/** Φ⁻¹(p): the x with Φ(x) = p. p = 0 gives -Infinity, p = 1 gives +Infinity, outside [0, 1] NaN. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  // Work in the lower half so that the Newton residual Φ(x) - p is a small tail probability with full
  // relative precision; the upper half follows by symmetry.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = probit(p);
  for (let step = 0; step < 6; step++) {
    const residual = normalCdf(x) - p;
    const density = normalDensity(x);
    if (density === 0) break;
    const next = x - residual / density;
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) {
      x = next;
      break;
    }
    x = next;
  }
  return x;
}
