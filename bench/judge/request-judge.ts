/**
 * Row "request judge (new)": the hook for `judgeCounts` (src/analysis/counts/judge-counts.ts, issue 12), fed per
 * look the counts a query like `sum by (le) (increase(x_bucket[30s]))` returns for each side: the increase over
 * that look's interval as Prometheus computes it (extrapolated, so possibly non-integer).
 *
 * Until judge-counts.ts lands, `startRequestJudge` is undefined and the table prints "not built yet". Wiring it
 * is this file only: import judgeCounts and return a run that keeps whatever state it needs between looks, e.g.
 *
 *   import { judgeCounts } from "../../src/analysis/counts/judge-counts.ts";
 *   export const startRequestJudge = (): CountsJudgeRun => {
 *     let state: unknown;   // the judge's own state type
 *     return {
 *       look(counts, final) {
 *         const verdict = judgeCounts({ interval: counts, state, final, ...settings });
 *         state = verdict.state;
 *         return verdict.failed ? "abort" : "continue";
 *       },
 *     };
 *   };
 */
import { BUCKET_BOUNDS } from "./latency-model.ts";
import { LOOK_INTERVAL_SECONDS, UNIX_EPOCH_OF_START, lookTime } from "./looks.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";
import { totalOf, windowIncrease } from "./window-increase.ts";

export interface SideCounts {
  /** Cumulative in le, ascending; the last is +Inf (Infinity) and equals `total`. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly total: number;
  readonly errors: number;
}

/** One look's interval: what each side's counters increased by over (at - interval, at]. */
export interface IntervalCounts {
  /** Unix seconds of the look. */
  readonly at: number;
  readonly canary: SideCounts;
  readonly stable: SideCounts;
}

/** One analysis of the new judge: one call per look, in order; the last one is final. */
export interface CountsJudgeRun {
  look(counts: IntervalCounts, final: boolean): "abort" | "continue";
}

export const startRequestJudge: (() => CountsJudgeRun) | undefined = undefined;

function sideCounts(side: ScrapedCounters, at: number): SideCounts {
  const increase = windowIncrease(side, at, LOOK_INTERVAL_SECONDS);
  // A 30 s range always holds two scrapes at the 5-15 s intervals simulated; no answer would read as zero traffic.
  if (increase === undefined) return { buckets: BUCKET_BOUNDS.map((le) => ({ le, count: 0 })), total: 0, errors: 0 };
  return {
    buckets: BUCKET_BOUNDS.map((le, j) => ({ le, count: increase.buckets[j] ?? 0 })),
    total: totalOf(increase),
    errors: increase.errors,
  };
}

export function intervalCounts(canary: ScrapedCounters, stable: ScrapedCounters, look: number): IntervalCounts {
  const at = lookTime(look);
  return { at: UNIX_EPOCH_OF_START + at, canary: sideCounts(canary, at), stable: sideCounts(stable, at) };
}
