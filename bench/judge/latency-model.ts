/**
 * Per-request latency distributions and what they put in each histogram bucket. The traffic model:
 * log-normal latency (median 40 ms, sigma 0.5) on prom-client's default buckets; a canary either scales every
 * request (median +20%) or stretches only its slowest requests (the ones above a quantile of the base
 * distribution take `factor` times as long).
 */
import { normalQuantile, normalSurvival } from "../../src/analysis/judge/normal.ts";

/** prom-client's default histogram buckets (seconds), then +Inf. */
export const BUCKET_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Number.POSITIVE_INFINITY];

export interface LatencyDistribution {
  /** P(latency > x); 1 at x <= 0. Survival rather than CDF keeps the far tail precise. */
  readonly survival: (x: number) => number;
  /** The x with P(latency > x) = p (upper-tail quantile). */
  readonly upperQuantile: (p: number) => number;
}

export function logNormal(median: number, sigma: number): LatencyDistribution {
  return {
    survival: (x) => (x <= 0 ? 1 : x === Number.POSITIVE_INFINITY ? 0 : normalSurvival(Math.log(x / median) / sigma)),
    upperQuantile: (p) => median * Math.exp(sigma * normalQuantile(1 - p)),
  };
}

/** Every request `factor` times as long (median +20%: factor 1.2). */
export function scaled(base: LatencyDistribution, factor: number): LatencyDistribution {
  return { survival: (x) => base.survival(x / factor), upperQuantile: (p) => factor * base.upperQuantile(p) };
}

/**
 * The requests slower than the base distribution's upper `fraction`-quantile x_f take `factor` times as long;
 * the others are unchanged. Y = X when X <= x_f, factor·X otherwise, so
 *   P(Y > y) = P(X > max(x_f, y / factor)) + P(y < X <= x_f).
 * Exactly the slowest `fraction` of requests move, and nothing lands in (x_f, factor·x_f].
 */
export function slowestStretched(base: LatencyDistribution, fraction: number, factor: number): LatencyDistribution {
  const cut = base.upperQuantile(fraction);
  const survival = (y: number): number => base.survival(Math.max(cut, y / factor)) + Math.max(0, base.survival(y) - base.survival(cut));
  return {
    survival,
    upperQuantile: (p) => (p <= fraction ? factor * base.upperQuantile(p) : base.upperQuantile(p)),
  };
}

/**
 * P(request lands in bucket j) for the bins (bounds[j-1], bounds[j]], the first starting at 0 and the last being
 * (highest finite bound, +Inf). They sum to 1 (telescoping survival values from 1 to 0).
 */
export function binProbabilities(distribution: LatencyDistribution, bounds: readonly number[] = BUCKET_BOUNDS): Float64Array {
  const bins = new Float64Array(bounds.length);
  let below = 1; // P(latency > previous bound), the previous bound starting at 0
  for (let j = 0; j < bounds.length; j++) {
    const above = distribution.survival(bounds[j] ?? Number.POSITIVE_INFINITY);
    bins[j] = below - above;
    below = above;
  }
  return bins;
}
