/**
 * Row "request judge (new)": src/analysis/counts/judge-counts.ts as the shipped template `requests-vs-stable`
 * runs it: two metrics, latency (maxIncrease 5%) and errors, each at alpha = 1% (the run's 2% shared), minRequests 500, the
 * canary aborted when either reaches its evidence line. Fed per look the counts a query like
 * `sum by (le) (increase(x_bucket[30s]))` returns for each side: the increase over that look's interval as
 * Prometheus computes it (extrapolated, so possibly non-integer).
 */
import { deltaOf, type SideCounters } from "../../src/analysis/counts/counter-deltas.ts";
import { DEFAULT_LEVELS, judgeRequests, type RequestJudgeState } from "../../src/analysis/counts/judge-counts.ts";
import { BUCKET_BOUNDS } from "./latency-model.ts";
import { LOOK_INTERVAL_SECONDS, UNIX_EPOCH_OF_START, lookTime } from "./looks.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";
import { lastScrapeIndex, totalOf, windowIncrease } from "./window-increase.ts";

export interface SideCounts {
  /** Cumulative in le, ascending; the last is +Inf (Infinity) and equals `total`. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly total: number;
  readonly errors: number;
}

/** One look's interval: what each side's counters increased by over (at - interval, at], and where they stand. */
export interface IntervalCounts {
  /** Unix seconds of the look. */
  readonly at: number;
  readonly canary: SideCounts;
  readonly stable: SideCounts;
  /** The counters themselves at the last scrape at or before the look (what an instant query of them returns). */
  readonly raw: { readonly canary: SideCounters; readonly stable: SideCounters };
}

/** One analysis of the new judge: one call per look, in order; the last one is final. */
export interface CountsJudgeRun {
  look(counts: IntervalCounts, final: boolean): "abort" | "continue";
}

const SETTINGS = { maxIncrease: 0, alpha: 0.01, minRequests: 500 } as const;
/** The shipped latency metric tolerates a canary up to 5% more likely to be slower than a bound. */
const LATENCY_ALLOWANCE = 0.05;

/**
 * The judge reads the counters themselves at each look (the last scrape at or before it) and takes differences
 * (src/analysis/counts/counter-deltas.ts), as the shipped templates do: `counts.raw` carries them.
 */
export const startRequestJudge: (() => CountsJudgeRun) | undefined = () => {
  let latency: RequestJudgeState | undefined;
  let errors: RequestJudgeState | undefined;
  let before: IntervalCounts["raw"] | undefined;
  // Each metric queries its own counters: the latency histogram, and errors with the requests they are among.
  const histogramOnly = (c: SideCounters | undefined): SideCounters | undefined => c && { buckets: c.buckets };
  const errorsOnly = (c: SideCounters | undefined): SideCounters | undefined => c && { requests: c.requests, errors: c.errors };
  return {
    look(counts) {
      const now = counts.raw;
      const lc = deltaOf(histogramOnly(before?.canary), histogramOnly(now.canary) ?? {}, "canary");
      const ls = deltaOf(histogramOnly(before?.stable), histogramOnly(now.stable) ?? {}, "stable");
      const ec = deltaOf(errorsOnly(before?.canary), errorsOnly(now.canary) ?? {}, "canary");
      const es = deltaOf(errorsOnly(before?.stable), errorsOnly(now.stable) ?? {}, "stable");
      before = now;
      let verdict: "abort" | "continue" = "continue";
      if (lc.kind === "look" && ls.kind === "look") {
        const l = judgeRequests({ kind: "latency", ...SETTINGS, maxIncrease: LATENCY_ALLOWANCE, levels: DEFAULT_LEVELS }, { canary: lc.look, stable: ls.look }, latency);
        latency = l.state;
        if (l.verdict === "High") verdict = "abort";
      }
      if (ec.kind === "look" && es.kind === "look") {
        const e = judgeRequests({ kind: "errors", ...SETTINGS }, { canary: ec.look, stable: es.look }, errors);
        errors = e.state;
        if (e.verdict === "High") verdict = "abort";
      }
      return verdict;
    },
  };
};

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

function rawCounters(side: ScrapedCounters, at: number): SideCounters {
  const k = lastScrapeIndex(side, at);
  if (k < 0) return { buckets: [], requests: 0, errors: 0 };
  const buckets = BUCKET_BOUNDS.map((le, j) => ({ le, count: side.cumulative[j]?.[k] ?? 0 }));
  return { buckets, requests: buckets.at(-1)?.count ?? 0, errors: side.errors[k] ?? 0 };
}

export function intervalCounts(canary: ScrapedCounters, stable: ScrapedCounters, look: number): IntervalCounts {
  const at = lookTime(look);
  return { at: UNIX_EPOCH_OF_START + at, canary: sideCounts(canary, at), stable: sideCounts(stable, at), raw: { canary: rawCounters(canary, at), stable: rawCounters(stable, at) } };
}
