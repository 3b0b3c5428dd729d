/**
 * What `sum by (le) (increase(x_bucket[W]))` and `increase(errors_total[W])` return at one evaluation time for
 * one side's scraped counters (a single series per side, so `sum` is the identity). Every bucket series has the
 * same scrape times, but each is extrapolated on its own (its zero point differs), so the cumulative counts can
 * come out non-monotonic in le; histogram_quantile repairs that as Prometheus does.
 */
import { extrapolatedIncreaseOf, rangeIndices } from "./prometheus-increase.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";

export interface WindowIncrease {
  /** Cumulative in le, the last being +Inf (= increase of `_count` = of `requests_total`). */
  readonly buckets: Float64Array;
  readonly errors: number;
}

/** The increases over (end - range, end], or undefined when the range holds fewer than two scrapes (no result). */
export function windowIncrease(side: ScrapedCounters, end: number, range: number): WindowIncrease | undefined {
  const start = end - range;
  const { from, to } = rangeIndices(side.times, start, end);
  if (to - from < 2) return undefined;
  const buckets = new Float64Array(side.cumulative.length);
  for (let j = 0; j < side.cumulative.length; j++) {
    buckets[j] = extrapolatedIncreaseOf(side.times, side.cumulative[j] ?? new Float64Array(0), from, to, start, end) ?? Number.NaN;
  }
  const errors = extrapolatedIncreaseOf(side.times, side.errors, from, to, start, end) ?? Number.NaN;
  return { buckets, errors };
}

/** requests_total's increase in the window (the +Inf bucket). */
export function totalOf(increase: WindowIncrease): number {
  return increase.buckets[increase.buckets.length - 1] ?? 0;
}

/** The raw counters at the last scrape at or before `at` (index -1 when there is none yet). */
export function lastScrapeIndex(side: ScrapedCounters, at: number): number {
  return rangeIndices(side.times, Number.NEGATIVE_INFINITY, at).to - 1;
}
