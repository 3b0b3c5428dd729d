/**
 * Row "threshold (calibrated)": the plain check simple rollout analyses do at every look, on the look's own
 * window (`increase(...[30s])`): latency fails when canary p99 > stable p99 × (1 + c), errors when canary's
 * error ratio > stable's + c. The constant c is not guessed: it is calibrated on null trials of the same split
 * (calibrateThreshold), so the baseline's power is compared at the same false-abort rate as everyone else's.
 */
import { quantileOfSortedBuckets } from "./histogram-quantile.ts";
import { BUCKET_BOUNDS } from "./latency-model.ts";
import { LOOK_INTERVAL_SECONDS, LOOKS, NEVER, lookTime } from "./looks.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";
import { totalOf, windowIncrease, type WindowIncrease } from "./window-increase.ts";

/** The checked statistic of one look; NaN when either side has no answer (no scrapes, 0/0). */
export type LookStatistic = (canary: WindowIncrease, stable: WindowIncrease) => number;

const scratch = new Float64Array(BUCKET_BOUNDS.length);
const p99 = (increase: WindowIncrease) => quantileOfSortedBuckets(0.99, BUCKET_BOUNDS, increase.buckets, scratch);

/** canary p99 / stable p99 - 1: the check fails when this exceeds c. */
export const relativeP99Excess: LookStatistic = (canary, stable) => p99(canary) / p99(stable) - 1;

/** canary error ratio - stable error ratio. */
export const errorRatioExcess: LookStatistic = (canary, stable) => canary.errors / totalOf(canary) - stable.errors / totalOf(stable);

/** The statistic at every look (index look - 1). */
export function lookStatistics(canary: ScrapedCounters, stable: ScrapedCounters, statistic: LookStatistic): Float64Array {
  const values = new Float64Array(LOOKS);
  for (let look = 1; look <= LOOKS; look++) {
    const at = lookTime(look);
    const c = windowIncrease(canary, at, LOOK_INTERVAL_SECONDS);
    const s = windowIncrease(stable, at, LOOK_INTERVAL_SECONDS);
    values[look - 1] = c === undefined || s === undefined ? Number.NaN : statistic(c, s);
  }
  return values;
}

/** The first look whose statistic exceeds c, or NEVER (NaN never exceeds). */
export function thresholdAbortLook(statistics: ArrayLike<number>, c: number): number {
  for (let i = 0; i < statistics.length; i++) if ((statistics[i] ?? Number.NaN) > c) return i + 1;
  return NEVER;
}

/** Largest statistic over all looks; -Infinity when no look had one. A trial aborts at c exactly when this > c. */
export function maximumOverLooks(statistics: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < statistics.length; i++) {
    const v = statistics[i] ?? Number.NaN;
    if (v > max) max = v;
  }
  return max;
}

/**
 * The smallest c at which at most `rate` of the null trials abort at any look. A trial aborts at c when its
 * maximum over the looks exceeds c, so with the maxima sorted ascending and k = floor(rate × n) aborts
 * allowed, c is the (n - k)-th smallest maximum: exactly the k largest exceed it (fewer if ties sit at c), and any
 * smaller c lets at least k + 1 through. No bisection needed: the search is exact on the simulated trials.
 */
export function calibrateThreshold(nullMaxima: readonly number[], rate: number): number {
  if (nullMaxima.length === 0) throw new Error("calibrateThreshold needs null trials");
  const sorted = nullMaxima.map((v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v)).sort((a, b) => a - b);
  const allowed = Math.floor(rate * sorted.length + 1e-9);
  return sorted[sorted.length - 1 - allowed] ?? Number.NEGATIVE_INFINITY;
}
