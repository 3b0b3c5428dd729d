/**
 * Row "oracle": the best anytime-valid test the canary's counts allow. It knows the true bucket (or error)
 * probabilities of both versions and runs Wald's sequential probability-ratio test, simple H0 "the canary
 * behaves like stable" against simple H1 "it behaves as it truly does", on the canary's own raw counters at the
 * last scrape before each look (exact integer counts of its requests since it started). The likelihood ratio of
 * the multinomial counts is a nonnegative martingale under H0, so stopping when it reaches 1/α keeps the
 * false-abort rate at most α however often it looks (Ville's inequality). The true likelihood ratio is the
 * log-optimal e-process for H1 (its evidence grows at the Kullback-Leibler rate, the fastest possible), and the
 * SPRT needs the fewest observations on average among tests with its error rates (Wald & Wolfowitz, 1948):
 * asymptotically in α no level-α sequential test on these counts decides sooner. No real judge knows H1 (nor
 * stable's exact distribution); this row is the ceiling.
 */
import { LOOKS, NEVER, lookTime } from "./looks.ts";
import type { ScrapedCounters } from "./scrape-simulation.ts";
import { lastScrapeIndex } from "./window-increase.ts";

export const ORACLE_ALPHA = 0.02;

/** log(q_j / p_j) per bin; a bin H1 never fills gets -Infinity (one request there refutes H1). */
export function logRatios(alternative: Float64Array, null_: Float64Array): Float64Array {
  return alternative.map((q, j) => Math.log(q / (null_[j] ?? 0)));
}

/** Log-likelihood ratio of per-bin counts (bins with no requests contribute nothing, whatever their weight). */
export function multinomialLogLikelihoodRatio(counts: ArrayLike<number>, weights: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < weights.length; j++) {
    const n = counts[j] ?? 0;
    if (n > 0) sum += n * (weights[j] ?? 0);
  }
  return sum;
}

/** The canary's per-bin counts (not cumulative in le) at scrape k. */
function binCountsAt(side: ScrapedCounters, k: number, out: Float64Array): Float64Array {
  let below = 0;
  for (let j = 0; j < side.cumulative.length; j++) {
    const cumulative = side.cumulative[j]?.[k] ?? 0;
    out[j] = cumulative - below;
    below = cumulative;
  }
  return out;
}

/** SPRT on the canary's latency buckets: the first look whose log-likelihood ratio reaches log(1/α). */
export function oracleLatencyAbortLook(canary: ScrapedCounters, weights: Float64Array): number {
  const counts = new Float64Array(weights.length);
  const bound = Math.log(1 / ORACLE_ALPHA);
  for (let look = 1; look <= LOOKS; look++) {
    const k = lastScrapeIndex(canary, lookTime(look));
    if (k < 0) continue;
    if (multinomialLogLikelihoodRatio(binCountsAt(canary, k, counts), weights) >= bound) return look;
  }
  return NEVER;
}

/** SPRT on the canary's errors out of its requests, error rate nullRate (H0) against trueRate (H1). */
export function oracleErrorAbortLook(canary: ScrapedCounters, nullRate: number, trueRate: number): number {
  const perError = Math.log(trueRate / nullRate);
  const perSuccess = Math.log((1 - trueRate) / (1 - nullRate));
  const bound = Math.log(1 / ORACLE_ALPHA);
  const total = canary.cumulative[canary.cumulative.length - 1] ?? new Float64Array(0);
  for (let look = 1; look <= LOOKS; look++) {
    const k = lastScrapeIndex(canary, lookTime(look));
    if (k < 0) continue;
    const errors = canary.errors[k] ?? 0;
    if (errors * perError + ((total[k] ?? 0) - errors) * perSuccess >= bound) return look;
  }
  return NEVER;
}
