/**
 * maxIncreaseBy, the absolute allowance on the error ratio: the odds ratio it allows, the α spent on bounding
 * stable's error ratio, the judge's looks with it, and by simulation at a 10/90 split: a canary exactly at
 * stable + δ is aborted at most α, one at stable + 3δ is caught.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { absoluteAllowance, boundLevel, oddsRatioAllowed } from "../../../src/analysis/counts/absolute-allowance.ts";
import { errorRatioAtLeast, errorRatioAtMost } from "../../../src/analysis/counts/error-ratio-bound.ts";
import { abortsAt, judgeRequests, type RequestJudgeSettings, type RequestJudgeState } from "../../../src/analysis/counts/judge-counts.ts";
import { seededRandom } from "../../../src/util/seeded-random.ts";
import { binomial, poisson } from "./simulated-traffic.ts";

const odds = (p: number) => p / (1 - p);

test("ψ(p) = odds(p + δ) / odds(p): the odds ratio of a canary at stable + δ; it falls to (1 − δ)/2 and rises after", () => {
  assert.ok(Math.abs(oddsRatioAllowed(0.002, 0.002) - odds(0.004) / odds(0.002)) < 1e-12);
  assert.ok(Math.abs(oddsRatioAllowed(0.002, 0.002) - 2.00401606425703) < 1e-9);
  assert.ok(oddsRatioAllowed(0.001, 0.002) > oddsRatioAllowed(0.01, 0.002), "a smaller stable ratio allows a larger odds ratio");
  // Symmetric about (1 − δ)/2 = 0.45 for δ = 0.1: ψ(p) = ψ(0.9 − p), lowest at 0.45.
  assert.ok(Math.abs(oddsRatioAllowed(0.2, 0.1) - oddsRatioAllowed(0.7, 0.1)) < 1e-12);
  assert.ok(oddsRatioAllowed(0.45, 0.1) < oddsRatioAllowed(0.4, 0.1) && oddsRatioAllowed(0.45, 0.1) < oddsRatioAllowed(0.5, 0.1));
  assert.equal(oddsRatioAllowed(0, 0.002), Number.POSITIVE_INFINITY, "stable at 0: any canary odds ratio is within 0 + δ");
  assert.equal(oddsRatioAllowed(0.95, 0.05), Number.POSITIVE_INFINITY, "p + δ reaches 1: nothing exceeds it");
  assert.equal(oddsRatioAllowed(0.3, 0), 1, "no allowance");
});

test("the bounds' levels α/(2·s·(s + 1)) add up to α/2", () => {
  let sum = 0;
  for (let s = 1; s <= 999; s++) sum += boundLevel(0.02, s);
  assert.ok(Math.abs(sum - 0.01 * (1 - 1 / 1000)) < 1e-15, `${sum}`);
  assert.equal(boundLevel(0.02, 1), 0.005);
});

test("each look's allowance comes from stable's earlier requests: none served spends nothing, none failed allows anything", () => {
  const alpha = 0.02;
  assert.deepEqual(absoluteAllowance(0.002, alpha, { bad: 0, requests: 0 }, undefined), { oddsRatio: Number.POSITIVE_INFINITY, bound: undefined });
  const noFailure = absoluteAllowance(0.002, alpha, { bad: 0, requests: 27000 }, undefined);
  assert.equal(noFailure.oddsRatio, Number.POSITIVE_INFINITY);
  assert.equal(noFailure.bound?.bounds, 1);
  assert.equal(noFailure.bound?.atLeast, 0);
  assert.deepEqual(absoluteAllowance(0, alpha, { bad: 50, requests: 27000 }, undefined), { oddsRatio: 1, bound: undefined });

  // 54 of 27000 (0.2%), second bound: level α/(2·2·3) split over both sides.
  const first = absoluteAllowance(0.002, alpha, { bad: 54, requests: 27000 }, undefined);
  const second = absoluteAllowance(0.002, alpha, { bad: 54, requests: 27000 }, first.bound);
  const level = alpha / 12 / 2;
  assert.equal(second.bound?.bounds, 2);
  assert.equal(second.bound?.atLeast, errorRatioAtLeast(54, 27000, level));
  assert.equal(second.bound?.atMost, errorRatioAtMost(54, 27000, level));
  assert.equal(second.oddsRatio, oddsRatioAllowed(errorRatioAtLeast(54, 27000, level), 0.002));
  assert.ok(second.oddsRatio > first.oddsRatio, "the second bound is wider (a smaller level), so it allows more");
  assert.ok(second.oddsRatio > oddsRatioAllowed(0.002, 0.002), "more than ψ at the observed 0.2%: the bound errs towards the canary");
});

test("the allowance covers every stable ratio in the interval, also above (1 − δ)/2, where ψ rises again", () => {
  for (const [bad, requests, by] of [[54, 27000, 0.002], [500, 1000, 0.1], [700, 1000, 0.05], [3, 300, 0.01]] as const) {
    const { oddsRatio, bound } = absoluteAllowance(by, 0.02, { bad, requests }, undefined);
    assert.ok(bound);
    for (let i = 0; i <= 100; i++) {
      const p = bound.atLeast + ((bound.atMost - bound.atLeast) * i) / 100;
      assert.ok(oddsRatioAllowed(p, by) <= oddsRatio, `${bad}/${requests}, δ ${by}: ψ(${p}) = ${oddsRatioAllowed(p, by)} > ${oddsRatio}`);
    }
  }
  // 500 of 1000 with δ = 0.1: the interval's upper end allows more than its lower end.
  const half = absoluteAllowance(0.1, 0.02, { bad: 500, requests: 1000 }, undefined);
  assert.equal(half.oddsRatio, oddsRatioAllowed(half.bound?.atMost ?? 1, 0.1));
});

const settings = (over: Partial<Extract<RequestJudgeSettings, { kind: "errors" }>> = {}): RequestJudgeSettings => ({ kind: "errors", maxIncrease: 0, maxIncreaseBy: 0.002, alpha: 0.02, minRequests: 500, ...over });

test("the judge: the first look only counts, it aborts at 2/α, and the state goes through JSON and on", () => {
  assert.equal(abortsAt(settings()), 100);
  assert.equal(abortsAt(settings({ maxIncreaseBy: undefined })), 50);
  assert.equal(abortsAt(settings({ maxIncreaseBy: 0 })), 50, "no allowance: nothing to bound, all of α for the evidence");
  const look = { canary: { requests: 3000, errors: 300 }, stable: { requests: 27000, errors: 54 } };
  const first = judgeRequests(settings(), look, undefined);
  assert.equal(first.eValue, 1, "no earlier look: stable's ratio is unbounded, so even 10% errors is no evidence yet");
  assert.equal(first.canaryRequests, 3000);
  assert.equal(first.state.stableErrorRatio, undefined);
  const second = judgeRequests(settings(), look, first.state);
  assert.equal(second.verdict, "High", `e=${second.eValue}`);
  assert.equal(second.state.stableErrorRatio?.bounds, 1);

  // A restarted runner reads the state back from the measurement's metadata and goes on exactly as before.
  const random = seededRandom(41);
  const looks = Array.from({ length: 6 }, () => ({ canary: { requests: 3000, errors: binomial(random, 3000, 0.005) }, stable: { requests: 27000, errors: binomial(random, 27000, 0.002) } }));
  let straight: RequestJudgeState | undefined;
  let restarted: RequestJudgeState | undefined;
  for (const l of looks) {
    straight = judgeRequests(settings(), l, straight).state;
    restarted = JSON.parse(JSON.stringify(judgeRequests(settings(), l, restarted).state)) as RequestJudgeState;
  }
  assert.deepEqual(restarted, straight);
  assert.equal(restarted?.stableErrorRatio?.bounds, 5);
});

/** 30 s looks at `rate` requests/s split 10/90, errors at the given ratios: the look of the abort, or undefined. */
function abortedAt(random: () => number, s: RequestJudgeSettings, rate: number, pStable: number, pCanary: number, looks: number): number | undefined {
  let state: RequestJudgeState | undefined;
  for (let i = 1; i <= looks; i++) {
    const nc = poisson(random, rate * 0.1 * 30);
    const ns = poisson(random, rate * 0.9 * 30);
    const judged = judgeRequests(s, { canary: { requests: nc, errors: binomial(random, nc, pCanary) }, stable: { requests: ns, errors: binomial(random, ns, pStable) } }, state);
    state = judged.state;
    if (judged.verdict === "High") return i;
  }
  return undefined;
}

const abortRate = (random: () => number, s: RequestJudgeSettings, pStable: number, pCanary: number, runs: number): number => {
  let aborts = 0;
  for (let r = 0; r < runs; r++) if (abortedAt(random, s, 1000, pStable, pCanary, 20) !== undefined) aborts++;
  return aborts / runs;
};

test("at a 10/90 split of 1000 requests/s, δ = 0.2 points: a canary at exactly stable + δ is aborted at most α over 20 looks", () => {
  const random = seededRandom(42);
  const runs = 300;
  const alpha = 0.02;
  const atEdge = abortRate(random, settings(), 0.002, 0.004, runs);
  assert.ok(atEdge <= alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs), `${atEdge} false aborts`);
  // The same canary is worse than stable: without the allowance it is caught, so the allowance is what lets it be.
  const plain = abortRate(random, settings({ maxIncreaseBy: undefined }), 0.002, 0.004, 50);
  assert.ok(plain >= 0.9, `without maxIncreaseBy: ${plain}`);
});

test("at a 10/90 split of 1000 requests/s, δ = 0.2 points: a canary at stable + 3δ is aborted within 20 looks", () => {
  const random = seededRandom(43);
  const runs = 100;
  const caught = abortRate(random, settings(), 0.002, 0.008, runs);
  assert.ok(caught >= 0.95, `${caught} caught`);
});
