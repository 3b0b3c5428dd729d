/**
 * `maxIncreaseBy` (δ): an absolute allowance on the error ratio, "the canary fails only if p_canary > p_stable + δ",
 * turned into the odds-ratio allowance the share test (share-test.ts) takes, look by look, keeping it exact.
 *
 * H0: p_c ≤ p_s + δ. In odds ratios that is ω ≤ ψ(p_s), with ψ(p) = odds(p + δ) / odds(p), which is not known
 * since p_s is not. ψ falls on (0, (1 − δ)/2] and rises after (it is symmetric about (1 − δ)/2), so for p_s in an
 * interval [L, U] it is at most max(ψ(L), ψ(U)): a share test against ω0 = max(ψ(L), ψ(U)) is valid whenever
 * p_s lies in [L, U] (for error ratios below 50%, ω0 = ψ(L)). At each look [L, U] is a Clopper-Pearson interval
 * on stable's requests of the *earlier* looks (predictable: fixed before the look's counts are seen, so that look's
 * likelihood ratio still has expectation ≤ 1 under H0 given the past). Its level is spent along the bounds: the
 * s-th bound misses with probability at most α_s = α / (2·s·(s + 1)), half on each side, and Σ α_s = α/2. The
 * share test gets the other α/2 (it aborts at 2/α). A false abort needs either some interval to miss (≤ α/2,
 * by the union bound) or, with all of them right, the e-process to cross 2/α (≤ α/2 by Ville's inequality: the
 * process whose factor is set to 1 at every look whose interval misses is a supermartingale under H0, since
 * whether an interval misses is known before its look, and it equals ours when none miss).
 *
 * Which looks spend a bound depends only on how many requests stable served (never on errors), so each bound
 * is a Clopper-Pearson bound at a sample size chosen independently of the errors it counts, as it must be.
 * This takes stable's error ratio as fixed over the analysis (each request fails on its own with probability
 * p_s); the relative allowance (`maxIncrease`) needs no such thing. Until stable has failed at least once,
 * L = 0 and ψ(0) = ∞: nothing the canary does can be shown to exceed p_s + δ, so those looks gather no evidence.
 */
import { errorRatioAtLeast, errorRatioAtMost } from "./error-ratio-bound.ts";

/** Where stable's error ratio was bounded last, and how many bounds have been spent (the next is bounds + 1). */
export type StableErrorRatio = { bounds: number; atLeast: number; atMost: number };

/** α_s: the chance the s-th interval (s = 1, 2, ...) may miss; they add up to α/2. */
export const boundLevel = (alpha: number, s: number): number => alpha / (2 * s * (s + 1));

/** ψ(p) = odds(p + δ) / odds(p): the odds ratio of p + δ to p; ∞ when p is 0 or p + δ reaches 1 (no bound on ω). */
export function oddsRatioAllowed(p: number, by: number): number {
  if (by <= 0) return 1;
  if (p <= 0 || p + by >= 1) return Number.POSITIVE_INFINITY;
  return ((p + by) * (1 - p)) / (p * (1 - p - by));
}

/**
 * This look's odds-ratio allowance for the share test, from stable's failed and served requests of the looks
 * before it, and the bound to keep for the next look. ∞ = this look can gather no evidence.
 */
export function absoluteAllowance(by: number, alpha: number, stableBefore: { bad: number; requests: number }, previous: StableErrorRatio | undefined): { oddsRatio: number; bound: StableErrorRatio | undefined } {
  if (by <= 0) return { oddsRatio: 1, bound: previous }; // no allowance: the plain test, nothing to bound
  if (stableBefore.requests <= 0) return { oddsRatio: Number.POSITIVE_INFINITY, bound: previous };
  const bounds = (previous?.bounds ?? 0) + 1;
  const level = boundLevel(alpha, bounds) / 2;
  const atLeast = errorRatioAtLeast(stableBefore.bad, stableBefore.requests, level);
  const atMost = errorRatioAtMost(stableBefore.bad, stableBefore.requests, level);
  return { oddsRatio: Math.max(oddsRatioAllowed(atLeast, by), oddsRatioAllowed(atMost, by)), bound: { bounds, atLeast, atMost } };
}
