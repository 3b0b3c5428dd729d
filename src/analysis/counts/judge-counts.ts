/**
 * The request judge: canary against stable on the requests themselves, valid at any traffic split and under
 * looking at every interval. Pure: counts in, a verdict and the state to keep out.
 *
 * - errors: of each look's failed requests, the canary's share against its share of the traffic (share-test.ts).
 * - latency: the same test on "requests slower than B" for a few bucket bounds B: by default the bounds at the
 *   pooled (canary + stable) 50th, 99th and 99.9th percentiles of the looks *before* this one (chosen
 *   before the look is seen, so the test stays exact; the first look only fills the pool), or fixed bounds the
 *   template names. One e-process per level; their average is the metric's e-value, itself an e-process, so
 *   looking at several levels costs no validity.
 *
 * The allowance is part of the hypothesis: the canary fails only when it is credibly more likely than stable, by
 * more than the allowance, to fail a request or to be slower than a bound: relative (`maxIncrease`, as an odds
 * ratio; for rare events, the rate ratio) or, for errors, absolute (`maxIncreaseBy`: the canary's error ratio
 * above stable's plus that much; absolute-allowance.ts, which spends half of alpha on bounding stable's error
 * ratio). The false-abort probability over the whole analysis is at most `alpha`.
 * A Pass is only ever given with at least `minRequests` requests on each side; before that the verdict is
 * NotYet, and at the end of the analysis NotYet is inconclusive, never a pass.
 */
import { absoluteAllowance, type StableErrorRatio } from "./absolute-allowance.ts";
import { addHistograms, finiteBounds, slowerThan, tailBoundAtQuantile, type Histogram } from "./bucket-counts.ts";
import { CENTRE_RHOS, emptyShareState, RHOS, shareEValue, TAIL_RHOS, updateShare, type ShareState } from "./share-test.ts";

export const DEFAULT_LEVELS = [0.5, 0.99, 0.999] as const;

export type RequestJudgeSettings =
  | { kind: "errors"; maxIncrease: number; alpha: number; minRequests: number; maxIncreaseBy?: number | undefined }
  | { kind: "latency"; maxIncrease: number; alpha: number; minRequests: number; levels: readonly number[]; slowerThan?: readonly number[] | undefined };

/** What one side served in one look's interval. */
export type SideLook = { requests: number; errors?: number | undefined; histogram?: Histogram | undefined };
export type RequestLook = { canary: SideLook; stable: SideLook };

export type RequestJudgeState = {
  version: 1;
  looks: number;
  canaryRequests: number;
  stableRequests: number;
  /** One share test per tested event: "errors", "p99" for a level, or "le=0.25" for a fixed bound. */
  tests: Record<string, ShareState>;
  /** The bound each latency test looked at last. */
  bounds?: Record<string, number> | undefined;
  /** maxIncreaseBy: stable's error ratio as bounded last, and how many bounds have been spent. */
  stableErrorRatio?: StableErrorRatio | undefined;
  /** Pooled histogram of the looks so far (latency): where the levels fall. */
  pooled?: Histogram | undefined;
  /** Set once the e-value has reached abortsAt (1/alpha; 2/alpha with maxIncreaseBy): the rejection stands. */
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
 * The state as text for the measurement's metadata. JSON has no infinities: JSON.stringify writes the +Inf
 * bucket's bound as null, which then sorted as 0 and shifted every bound the judge chose after a restart
 * or from the second look on. Infinities travel as the strings "+Inf" and "-Inf".
 */
export function serializeRequestState(state: RequestJudgeState): string {
  return JSON.stringify(state, (_key, value: unknown) => (value === Number.POSITIVE_INFINITY ? "+Inf" : value === Number.NEGATIVE_INFINITY ? "-Inf" : value));
}

/** The state back from `serializeRequestState`; undefined when the text is damaged (the evidence is lost, never invented). */
export function parseRequestState(text: string): RequestJudgeState | undefined {
  try {
    return JSON.parse(text, (_key, value: unknown) => (value === "+Inf" ? Number.POSITIVE_INFINITY : value === "-Inf" ? Number.NEGATIVE_INFINITY : value)) as RequestJudgeState;
  } catch {
    return undefined;
  }
}

const levelName = (q: number): string => `p${Number((q * 100).toPrecision(6))}`;

/**
 * The tests of a latency metric: one per level, whose event at each look is "slower than the edge of the bucket
 * the pooled q-quantile of the earlier looks falls in" (tailBoundAtQuantile: a slower canary has more requests
 * beyond it: a shifted median, the slowest 1% doubled, a new tail), or one per fixed bound. The set is fixed by the settings,
 * so their equal-weight average is an e-process; two levels that pick the same bound both gather its evidence,
 * which is how a bound that matters for several levels gets more weight.
 */
function latencyTests(settings: Extract<RequestJudgeSettings, { kind: "latency" }>, pooled: Histogram | undefined, thisLook: Histogram): { name: string; bound: number; rhos: readonly number[] }[] {
  if (settings.slowerThan && settings.slowerThan.length > 0) {
    const bounds = finiteBounds(thisLook);
    const highest = bounds.at(-1) ?? 0;
    return settings.slowerThan.map((b) => ({ name: `le=${b}`, bound: b, rhos: b >= highest ? TAIL_RHOS : RHOS }));
  }
  if (!pooled) return [];
  return settings.levels.flatMap((q) => {
    const bound = tailBoundAtQuantile(pooled, q);
    return bound === undefined ? [] : [{ name: levelName(q), bound, rhos: q >= 0.99 ? TAIL_RHOS : CENTRE_RHOS }];
  });
}

/** The configured tests, each weighing the same; a test not yet started counts as its initial 1. */
function meanEValue(settings: RequestJudgeSettings, tests: Record<string, ShareState>): number {
  const names = settings.kind === "errors" ? ["errors"] : settings.slowerThan && settings.slowerThan.length > 0 ? settings.slowerThan.map((b) => `le=${b}`) : settings.levels.map(levelName);
  return names.reduce((sum, name) => sum + (tests[name] ? shareEValue(tests[name]) : 1), 0) / names.length;
}

/** An absolute allowance spends half of alpha on bounding stable's error ratio; the evidence gets the rest. */
export const abortsAt = (settings: RequestJudgeSettings): number =>
  settings.kind === "errors" && (settings.maxIncreaseBy ?? 0) > 0 ? 2 / settings.alpha : 1 / settings.alpha;

/** Fold one look into the state and judge. */
export function judgeRequests(settings: RequestJudgeSettings, look: RequestLook, previous: RequestJudgeState | undefined): RequestJudgement {
  const state: RequestJudgeState = structuredClone(previous ?? emptyRequestState());
  state.looks++;
  state.canaryRequests += Math.max(0, look.canary.requests);
  state.stableRequests += Math.max(0, look.stable.requests);

  if (settings.kind === "errors") {
    const before = state.tests.errors ?? emptyShareState(RHOS);
    let allowance = settings.maxIncrease;
    if (settings.maxIncreaseBy !== undefined) {
      // From stable's looks before this one, so this look's test is fixed before its counts are seen.
      const { oddsRatio, bound } = absoluteAllowance(settings.maxIncreaseBy, settings.alpha, { bad: before.stableBad, requests: before.stableRequests }, state.stableErrorRatio);
      allowance = oddsRatio - 1;
      state.stableErrorRatio = bound;
    }
    state.tests.errors = updateShare(
      before,
      { canaryBad: look.canary.errors ?? 0, stableBad: look.stable.errors ?? 0, canaryRequests: look.canary.requests, stableRequests: look.stable.requests },
      allowance,
    );
  } else if (look.canary.histogram && look.stable.histogram) {
    const thisLook = addHistograms(look.canary.histogram, look.stable.histogram);
    const before = state.pooled;
    state.pooled = before ? addHistograms(before, thisLook) : thisLook;
    state.bounds = {};
    for (const { name, bound, rhos } of latencyTests(settings, before, thisLook)) {
      state.bounds[name] = bound;
      state.tests[name] = updateShare(
        state.tests[name] ?? emptyShareState(rhos),
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

  const eValue = meanEValue(settings, state.tests);
  if (!state.rejected && eValue >= abortsAt(settings)) {
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
