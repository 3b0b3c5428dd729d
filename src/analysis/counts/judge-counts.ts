/**
 * The request judge: canary against stable on the requests themselves, valid at any traffic split and under
 * looking at every interval. Pure: counts in, a verdict and the state to keep out.
 *
 * - errors: of each look's failed requests, the canary's share against its share of the traffic (share-test.ts).
 * - latency: the same test on "requests slower than B" for a few bucket bounds B: by default the bounds at the
 *   pooled (canary + stable) 50th, 90th, 99th and 99.9th percentiles of the looks *before* this one (chosen
 *   before the look is seen, so the test stays exact; the first look only fills the pool), or fixed bounds the
 *   template names. One e-process per level; their average is the metric's e-value, itself an e-process, so
 *   looking at several levels costs no validity.
 *
 * The allowance (`maxIncrease`) is part of the hypothesis: the canary fails only when it is credibly more likely
 * than stable, by more than the allowance, to fail a request or to be slower than a bound (as an odds ratio;
 * for rare events, the rate ratio). The false-abort probability over the whole analysis is at most `alpha`.
 * A Pass is only ever given with at least `minRequests` requests on each side; before that the verdict is
 * NotYet, and at the end of the analysis NotYet is inconclusive, never a pass.
 */
import { addHistograms, boundAtQuantile, finiteBounds, slowerThan, type Histogram } from "./bucket-counts.ts";
import { emptyShareState, shareEValue, updateShare, type ShareState } from "./share-test.ts";

export const DEFAULT_LEVELS = [0.5, 0.9, 0.99, 0.999] as const;

export type RequestJudgeSettings =
  | { kind: "errors"; maxIncrease: number; alpha: number; minRequests: number }
  | { kind: "latency"; maxIncrease: number; alpha: number; minRequests: number; levels: readonly number[]; slowerThan?: readonly number[] | undefined };

/** What one side served in one look's interval. */
export type SideLook = { requests: number; errors?: number | undefined; histogram?: Histogram | undefined };
export type RequestLook = { canary: SideLook; stable: SideLook };

export type RequestJudgeState = {
  version: 1;
  looks: number;
  canaryRequests: number;
  stableRequests: number;
  /** One share test per tested event: "errors", or "le=0.25" for requests slower than 0.25. */
  tests: Record<string, ShareState>;
  /** The bound each latency test looked at last. */
  bounds?: Record<string, number> | undefined;
  /** Pooled histogram of the looks so far (latency): where the levels fall. */
  pooled?: Histogram | undefined;
  /** Set once the e-value has reached 1/alpha: the rejection stands. */
  rejected?: { atLook: number; eValue: number; test: string } | undefined;
};

export type RequestVerdict = "High" | "Pass" | "NotYet";

export type RequestJudgement = {
  verdict: RequestVerdict;
  eValue: number;
  /** The test with the most evidence, and what it saw. */
  strongest: { test: string; bound?: number | undefined; canaryBad: number; stableBad: number; eValue: number } | undefined;
  canaryRequests: number;
  stableRequests: number;
  state: RequestJudgeState;
};

export const emptyRequestState = (): RequestJudgeState => ({ version: 1, looks: 0, canaryRequests: 0, stableRequests: 0, tests: {} });

/**
 * The bounds to test at this look: fixed ones, or the upper edge of the bucket each pooled quantile falls in
 * (a slower canary has more requests beyond it: a shifted median, the slowest 1% doubled, a new tail), the
 * highest finite bound for a quantile beyond it. Each distinct bound is one test, named by its bound.
 */
function latencyBounds(settings: Extract<RequestJudgeSettings, { kind: "latency" }>, pooled: Histogram): [string, number][] {
  if (settings.slowerThan && settings.slowerThan.length > 0) return settings.slowerThan.map((b) => [`le=${b}`, b]);
  const highest = finiteBounds(pooled).at(-1);
  const chosen = new Set<number>();
  for (const q of settings.levels) {
    const upper = boundAtQuantile(pooled, q) ?? highest;
    if (upper !== undefined) chosen.add(upper);
  }
  return [...chosen].sort((a, b) => a - b).map((b) => [`le=${b}`, b]);
}

function meanEValue(tests: Record<string, ShareState>): number {
  const values = Object.values(tests).map(shareEValue);
  return values.length === 0 ? 1 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Fold one look into the state and judge. */
export function judgeRequests(settings: RequestJudgeSettings, look: RequestLook, previous: RequestJudgeState | undefined): RequestJudgement {
  const state: RequestJudgeState = structuredClone(previous ?? emptyRequestState());
  state.looks++;
  state.canaryRequests += Math.max(0, look.canary.requests);
  state.stableRequests += Math.max(0, look.stable.requests);

  if (settings.kind === "errors") {
    state.tests.errors = updateShare(
      state.tests.errors ?? emptyShareState(),
      { canaryBad: look.canary.errors ?? 0, stableBad: look.stable.errors ?? 0, canaryRequests: look.canary.requests, stableRequests: look.stable.requests },
      settings.maxIncrease,
    );
  } else if (look.canary.histogram && look.stable.histogram) {
    const thisLook = addHistograms(look.canary.histogram, look.stable.histogram);
    const before = state.pooled;
    state.pooled = before ? addHistograms(before, thisLook) : thisLook;
    const fixed = settings.slowerThan !== undefined && settings.slowerThan.length > 0;
    const bounds = fixed ? latencyBounds(settings, thisLook) : before ? latencyBounds(settings, before) : [];
    state.bounds = {};
    for (const [name, bound] of bounds) {
      state.bounds[name] = bound;
      state.tests[name] = updateShare(
        state.tests[name] ?? emptyShareState(),
        {
          canaryBad: slowerThan(look.canary.histogram, bound),
          stableBad: slowerThan(look.stable.histogram, bound),
          canaryRequests: look.canary.histogram.total,
          stableRequests: look.stable.histogram.total,
        },
        settings.maxIncrease,
      );
    }
  }

  const eValue = meanEValue(state.tests);
  if (!state.rejected && eValue >= 1 / settings.alpha) {
    const strongestName = Object.entries(state.tests).sort(([, a], [, b]) => shareEValue(b) - shareEValue(a))[0]?.[0] ?? "";
    state.rejected = { atLook: state.looks, eValue, test: strongestName };
  }
  const strongest = Object.entries(state.tests)
    .map(([test, s]) => ({ test, bound: state.bounds?.[test], canaryBad: s.canaryBad, stableBad: s.stableBad, eValue: shareEValue(s) }))
    .sort((a, b) => b.eValue - a.eValue)[0];
  const enough = state.canaryRequests >= settings.minRequests && state.stableRequests >= settings.minRequests;
  const verdict: RequestVerdict = state.rejected ? "High" : enough ? "Pass" : "NotYet";
  return { verdict, eValue, strongest, canaryRequests: state.canaryRequests, stableRequests: state.stableRequests, state };
}
