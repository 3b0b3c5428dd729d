/**
 * Anytime-valid early abort: a sequential sign test on time-paired canary/stable samples, run as a mixture
 * sequential probability ratio test (mSPRT) whose e-value may be checked after every interval without inflating
 * the false-abort rate.
 *
 * Method. Canary and stable are queried with the same `query_range` grid, so each timestamp gives a pair
 * (c_t, s_t). For direction `increase` a pair counts as "worse" when c_t > s_t + allowance(s_t) and as "not worse"
 * when c_t < s_t + allowance(s_t) (exact ties carry no information and are skipped). Under H0 "the canary is not
 * worse beyond the allowance", P(worse | past) <= 1/2 at every step. Against it we mix the likelihood ratios of
 * Bernoulli(p) vs Bernoulli(1/2) over a grid of alternatives p in (1/2, 1) with equal weights:
 *
 *     E_n = Σ_p w_p · (2p)^k · (2(1-p))^(n-k)       (k worse pairs out of n informative ones)
 *
 * Each term is a nonnegative martingale under p = 1/2 and a supermartingale for every p' <= 1/2 (its expected
 * one-step factor p'·2p + (1-p')·2(1-p) is <= 1 when p > 1/2 >= p'), so E_n is a test supermartingale and by
 * Ville's inequality P(sup_n E_n >= 1/α) <= α: stopping the first time E_n >= 1/α bounds the false-abort
 * probability by α however often it is looked at. This is the Bernoulli case of the mixture tests in
 * Lindon, Sanden & Shirikian, "Rapid Regression Detection in Software Deployments through Sequential Testing"
 * (KDD 2022, arXiv:2205.14762), which for count metrics condition on the total and test the canary's share
 * with a conjugate mixture; see also Robbins (1970) and Howard et al., "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences" (Ann. Statist. 2021). `either` runs both one-sided tests at α/2 each.
 *
 * Assumptions (stated in README.md too): given the past, the pairs are independent draws (scrape step not shorter
 * than the rate window of the query, otherwise neighbouring points share data and the bound is optimistic);
 * canary and stable see the same conditions at the same time (they run side by side); the test detects "the
 * canary is worse at most instants" (a median-type effect), not a change of the mean driven by rare outliers.
 *
 * Restart safety: the state is a handful of counters plus the last timestamp already counted, a small JSON
 * object. Feeding the same window twice counts nothing twice, and replaying all stored samples into an empty
 * state rebuilds it exactly (the counts do not depend on the order).
 */
import type { Compare } from "../../api/metric.ts";
import { withAllowance } from "./allowance.ts";

/** One Prometheus range-query point after parsing: [unix seconds, value]. */
export type Point = readonly [timestamp: number, value: number];

export interface SideCounts {
  /** Informative (non-tied) pairs. */
  readonly pairs: number;
  /** Pairs where the canary was worse than stable beyond the allowance. */
  readonly worse: number;
}

export interface SequentialState {
  readonly version: 1;
  /** The settings the counts were made under; other settings start afresh. */
  readonly settingsKey: string;
  /** Pairs with a timestamp at or before this were counted already. */
  readonly lastTimestamp: number;
  readonly increase: SideCounts;
  readonly decrease: SideCounts;
  /** Set once an e-value crossed: a stopped test stays stopped, whatever later pairs say. */
  readonly rejected?: "increase" | "decrease";
}

export interface SequentialOutcome {
  readonly state: SequentialState;
  /** Null-hypothesis level per one-sided test (α, or α/2 for `either`). */
  readonly levelPerSide: number;
  readonly eIncrease: number;
  readonly eDecrease: number;
  /** First side whose e-value reached 1/level, if any. */
  readonly rejected: "increase" | "decrease" | undefined;
  /** True when a stored state was discarded because the settings changed. */
  readonly restarted: boolean;
}

/** Alternatives mixed over; equal weights. A grid keeps the e-value exact and cheap (no incomplete beta). */
export const MIXTURE_ALTERNATIVES: readonly number[] = [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

type SequentialSettings = Pick<Compare, "direction" | "maxIncrease" | "maxDecrease" | "confidence">;

export function settingsKey(settings: SequentialSettings): string {
  return JSON.stringify([settings.direction, settings.maxIncrease ?? null, settings.maxDecrease ?? null, settings.confidence]);
}

export function emptySequentialState(settings: SequentialSettings): SequentialState {
  return {
    version: 1,
    settingsKey: settingsKey(settings),
    lastTimestamp: Number.NEGATIVE_INFINITY,
    increase: { pairs: 0, worse: 0 },
    decrease: { pairs: 0, worse: 0 },
  };
}

/** log E_n of the mixture for k worse pairs out of n. */
export function logMixtureEValue(counts: SideCounts): number {
  const { pairs: n, worse: k } = counts;
  const logs = MIXTURE_ALTERNATIVES.map((p) => k * Math.log(2 * p) + (n - k) * Math.log(2 * (1 - p)));
  const top = Math.max(...logs);
  const sum = logs.reduce((acc, l) => acc + Math.exp(l - top), 0);
  return top + Math.log(sum / MIXTURE_ALTERNATIVES.length);
}

/**
 * Pairs canary and stable points with the same timestamp, newer than `after`, neither value NaN (missing). ±Inf
 * are values: a canary at +Inf beside a finite stable is worse, two infinities of the same sign tie.
 */
export function pairByTimestamp(canary: readonly Point[], stable: readonly Point[], after: number): Array<[number, number, number]> {
  const stableAt = new Map<number, number>();
  for (const [t, v] of stable) if (t > after && !Number.isNaN(v)) stableAt.set(t, v);
  const pairs: Array<[number, number, number]> = [];
  for (const [t, c] of canary) {
    if (t <= after || Number.isNaN(c)) continue;
    const s = stableAt.get(t);
    if (s !== undefined) pairs.push([t, c, s]);
  }
  return pairs;
}

function count(counts: SideCounts, worse: boolean | undefined): SideCounts {
  if (worse === undefined) return counts;
  return { pairs: counts.pairs + 1, worse: counts.worse + (worse ? 1 : 0) };
}

/**
 * Adds the pairs newer than the state's last timestamp and evaluates both one-sided e-values.
 * `previous` may be undefined (first interval) or from other settings (then it is discarded).
 * `mayReject: false` (the look has fewer than minSamples points on a side) counts the pairs but neither rejects
 * nor latches a rejection: a cold start's few slow points must not abort for good. Checking the e-value only at
 * some looks keeps Ville's bound (it holds at any stopping time), so the evidence is deferred, not lost.
 */
export function updateSequential(
  previous: SequentialState | undefined,
  canary: readonly Point[],
  stable: readonly Point[],
  settings: SequentialSettings,
  mayReject = true,
): SequentialOutcome {
  const key = settingsKey(settings);
  const restarted = previous !== undefined && (previous.settingsKey !== key || previous.version !== 1);
  const start = previous === undefined || restarted ? emptySequentialState(settings) : previous;
  let increase = start.increase;
  let decrease = start.decrease;
  let lastTimestamp = start.lastTimestamp;
  for (const [t, c, s] of pairByTimestamp(canary, stable, start.lastTimestamp)) {
    const upper = withAllowance(settings.maxIncrease, s, "raise");
    const lower = withAllowance(settings.maxDecrease, s, "lower");
    increase = count(increase, c > upper ? true : c < upper ? false : undefined);
    decrease = count(decrease, c < lower ? true : c > lower ? false : undefined);
    lastTimestamp = Math.max(lastTimestamp, t);
  }
  const alpha = 1 - settings.confidence;
  const levelPerSide = settings.direction === "either" ? alpha / 2 : alpha;
  const eIncrease = Math.exp(logMixtureEValue(increase));
  const eDecrease = Math.exp(logMixtureEValue(decrease));
  const threshold = 1 / levelPerSide;
  const watchIncrease = settings.direction !== "decrease";
  const watchDecrease = settings.direction !== "increase";
  const crossed = watchIncrease && eIncrease >= threshold ? "increase" : watchDecrease && eDecrease >= threshold ? "decrease" : undefined;
  const rejected = start.rejected ?? (mayReject ? crossed : undefined);
  const state: SequentialState = { version: 1, settingsKey: key, lastTimestamp, increase, decrease };
  return {
    state: rejected === undefined ? state : { ...state, rejected },
    levelPerSide,
    eIncrease,
    eDecrease,
    rejected,
    restarted,
  };
}
