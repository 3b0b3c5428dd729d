/**
 * Is the canary worse at producing "bad" requests (errors, requests slower than a bound) than stable, judged on
 * the requests themselves, valid at any traffic split, however often it is looked at?
 *
 * Each look brings, per side, the requests served and how many were bad. Condition on the bad ones: of the m bad
 * requests of an interval, k came from the canary. Given the requests each side served (nc, ns), k follows
 * Fisher's noncentral hypergeometric distribution with odds ratio ω = odds(bad | canary) / odds(bad | stable),
 *     P(k) ∝ C(nc, k) · C(ns, m − k) · ω^k,
 * whatever the bad-request rate itself is and however traffic is split or changes between looks. "The canary
 * is no worse than stable, allowing `allowance`" is ω ≤ ω0 = 1 + allowance (for rare events, odds ratios are
 * rate ratios: 1.1 = "10% more errors is tolerated").
 *
 * The evidence against it is a likelihood-ratio mixture: for each ρ in RHOS, the exact likelihood ratio of k at
 * ω1 = ρ·ω0 against ω0, multiplied over the looks, averaged over ρ. Each product is a nonnegative martingale at
 * ω = ω0; the ratio grows with k and the family has a monotone likelihood ratio in ω, so for ω < ω0 it is a
 * supermartingale. By Ville's inequality P(the e-value ever reaches 1/α) ≤ α: a false abort is at most α over
 * the whole analysis, however many looks. Exact: no normal approximation, no minimum count.
 *
 * References: M. Lindon, A. Malek, "Anytime-Valid Inference for Multinomial Count Data", NeurIPS 2022
 * (conditioning on the total for contrasts of counting processes); A. Ramdas, P. Grünwald, V. Vovk, G. Shafer,
 * "Game-theoretic statistics and safe anytime-valid inference", Statist. Sci. 2023 (e-processes, Ville).
 * Fisher's noncentral hypergeometric: A. Agresti, "Categorical Data Analysis" (3rd ed.), §16.6.
 */
import { gammaln } from "simple-statistics";

/** How much worse the alternatives are, as odds-ratio multiples of the null: from 50% worse to 16 times. */
export const RHOS = [1.5, 2, 4, 8, 16] as const;
/** Near the median a regression moves the odds modestly; in the tail it multiplies them. */
export const CENTRE_RHOS = [1.25, 1.5, 2, 3] as const;
export const TAIL_RHOS = [2, 4, 8, 16, 32] as const;

export type ShareLook = {
  /** Bad requests on each side in this look's interval (fractional counts, from Prometheus' increase, are rounded). */
  canaryBad: number;
  stableBad: number;
  /** Requests each side served in the interval (at least the bad ones). */
  canaryRequests: number;
  stableRequests: number;
};

/** Everything the test needs to go on: the log likelihood-ratio product per ρ, and the totals for messages. */
type ShareStateBody = {
  logProducts: number[];
  looks: number;
  canaryBad: number;
  stableBad: number;
  canaryRequests: number;
  stableRequests: number;
};

export type ShareState = ShareStateBody & { rhos?: number[] | undefined };

/** A new test over the odds-ratio multiples `rhos` (fixed for the test's life: they are its mixture's components). */
export const emptyShareState = (rhos: readonly number[] = RHOS): ShareState => ({ rhos: [...rhos], logProducts: rhos.map(() => 0), looks: 0, canaryBad: 0, stableBad: 0, canaryRequests: 0, stableRequests: 0 });

const whole = (x: number): number => (Number.isFinite(x) && x > 0 ? Math.round(x) : 0);

const logChoose = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/** log C(nc, j) + log C(ns, m − j) for every j of the support: the ω-free part of the pmf, computed once per look. */
function baseTerms(nc: number, ns: number, m: number): { lo: number; terms: number[] } {
  const lo = Math.max(0, m - ns);
  const hi = Math.min(m, nc);
  const terms: number[] = [];
  for (let j = lo; j <= hi; j++) terms.push(logChoose(nc, j) + logChoose(ns, m - j));
  return { lo, terms };
}

/** log Σ_j C(nc, j) C(ns, m − j) ω^j over the support: the normaliser of Fisher's noncentral hypergeometric. */
function logNormaliserOf(base: { lo: number; terms: number[] }, logOdds: number): number {
  const shifted = base.terms.map((t, i) => t + (base.lo + i) * logOdds);
  const max = Math.max(...shifted);
  return max + Math.log(shifted.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

export const logNormaliser = (nc: number, ns: number, m: number, logOdds: number): number => logNormaliserOf(baseTerms(nc, ns, m), logOdds);

/** log of P(k | ω1) / P(k | ω0), exactly. */
export function logLikelihoodRatio(k: number, nc: number, ns: number, m: number, omega0: number, omega1: number): number {
  const base = baseTerms(nc, ns, m);
  const l0 = Math.log(omega0);
  const l1 = Math.log(omega1);
  return k * (l1 - l0) - (logNormaliserOf(base, l1) - logNormaliserOf(base, l0));
}

/**
 * Fold one look into the state. A look in which nothing was bad, or one side served nothing, carries no
 * evidence (the likelihood ratio is 1). Counts are made consistent: each side served at least its bad requests.
 *
 * `allowance` is this look's: ω0 = 1 + allowance. It may differ from look to look (absolute-allowance.ts sets
 * it from stable's earlier looks): each look's ratio is against its own ω0, so each has expectation ≤ 1 when
 * that look's ω ≤ ω0, and the product stays a supermartingale. An infinite allowance (nothing can exceed it)
 * counts the requests and gathers no evidence.
 */
export function updateShare(state: ShareState, look: ShareLook, allowance = 0): ShareState {
  const k = whole(look.canaryBad);
  const ks = whole(look.stableBad);
  const nc = Math.max(whole(look.canaryRequests), k);
  const ns = Math.max(whole(look.stableRequests), ks);
  const m = k + ks;
  const rhos = state.rhos ?? [...RHOS];
  const next: ShareState = {
    rhos,
    logProducts: [...state.logProducts],
    looks: state.looks + 1,
    canaryBad: state.canaryBad + k,
    stableBad: state.stableBad + ks,
    canaryRequests: state.canaryRequests + nc,
    stableRequests: state.stableRequests + ns,
  };
  if (m === 0 || nc === 0 || ns === 0 || !Number.isFinite(allowance)) return next;
  const omega0 = 1 + Math.max(0, allowance);
  const base = baseTerms(nc, ns, m);
  const logNull = logNormaliserOf(base, Math.log(omega0));
  next.logProducts = state.logProducts.map((lp, i) => {
    const logRho = Math.log(rhos[i] ?? 1);
    return lp + k * logRho - (logNormaliserOf(base, Math.log(omega0) + logRho) - logNull);
  });
  return next;
}

/** The mixture e-value: the evidence that the canary is worse beyond the allowance (1 = none; ≥ 1/α rejects at α). */
export function shareEValue(state: ShareState): number {
  const max = Math.max(...state.logProducts);
  // log-sum-exp, so that thousands of looks neither overflow nor underflow.
  const mean = state.logProducts.reduce((sum, lp) => sum + Math.exp(lp - max), 0) / state.logProducts.length;
  return Math.exp(max) * mean;
}
