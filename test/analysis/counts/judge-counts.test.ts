/**
 * The request judge on simulated Prometheus counts (100 requests/s in all, looks every 30 s, log-normal latency
 * with median 40 ms and sigma 0.5 on prom-client's buckets): false aborts at most α at a 10/90 split, the
 * regressions of issue 12 caught, no Pass before minRequests, and a state that survives JSON.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { addHistograms, boundAtQuantile, histogramOf, slowerThan, tailBoundAtQuantile, type Histogram } from "../../../src/analysis/counts/bucket-counts.ts";
import { DEFAULT_LEVELS, judgeRequests, parseRequestState, serializeRequestState, type RequestJudgeSettings, type RequestJudgeState, type RequestVerdict } from "../../../src/analysis/counts/judge-counts.ts";
import { seededRandom } from "../../../src/util/seeded-random.ts";
import { latencyCdf, sideLook, type Latency } from "./simulated-traffic.ts";

const BASE: Latency = { median: 0.04, sigma: 0.5 };
const latency = (over: Partial<RequestJudgeSettings> = {}): RequestJudgeSettings => ({ kind: "latency", maxIncrease: 0, alpha: 0.02, minRequests: 500, levels: DEFAULT_LEVELS, ...over }) as RequestJudgeSettings;
const errors: RequestJudgeSettings = { kind: "errors", maxIncrease: 0, alpha: 0.02, minRequests: 500 };

type Trial = { canary: Latency; stable: Latency; canaryErrors: number; stableErrors: number; share: number };

/** Looks until a High (returns its look number) or the end (undefined), and the last verdict. */
function run(random: () => number, settings: RequestJudgeSettings, t: Trial, looks: number): { abortedAt: number | undefined; last: RequestVerdict } {
  let state: RequestJudgeState | undefined;
  let last: RequestVerdict = "NotYet";
  for (let i = 1; i <= looks; i++) {
    const canary = sideLook(random, 100 * t.share, 30, t.canary, t.canaryErrors);
    const stable = sideLook(random, 100 * (1 - t.share), 30, t.stable, t.stableErrors);
    const judged = judgeRequests(settings, { canary, stable }, state);
    state = judged.state;
    last = judged.verdict;
    if (judged.verdict === "High") return { abortedAt: i, last };
  }
  return { abortedAt: undefined, last };
}

const rate = (random: () => number, settings: RequestJudgeSettings, t: Trial, looks: number, runs: number, within = looks) => {
  let hits = 0;
  for (let r = 0; r < runs; r++) {
    const { abortedAt } = run(random, settings, t, looks);
    if (abortedAt !== undefined && abortedAt <= within) hits++;
  }
  return hits / runs;
};

const bound = (alpha: number, runs: number) => alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs);

test("the simulated latency: P(≤ median) is 1/2, and 'slowest 1% ×2' moves exactly the top 1%", () => {
  assert.ok(Math.abs(latencyCdf(BASE, 0.04) - 0.5) < 1e-12);
  const slow: Latency = { ...BASE, slowest: { fraction: 0.01, factor: 2 } };
  const p99 = 0.04 * Math.exp(0.5 * 2.3263478740408408);
  assert.ok(Math.abs(latencyCdf(slow, p99) - 0.99) < 1e-9);
  assert.ok(Math.abs(latencyCdf(slow, 2 * p99) - 0.99) < 1e-9, "nothing between p99 and 2·p99");
  assert.ok(Math.abs(latencyCdf(slow, 0.02) - latencyCdf(BASE, 0.02)) < 1e-15);
});

test("bucket counts: slower-than and the bound at a quantile read cumulative counts; +Inf requests are the slowest, not missing", () => {
  const h = histogramOf([{ le: 0.1, count: 50 }, { le: 0.25, count: 90 }, { le: Number.POSITIVE_INFINITY, count: 100 }], "canary") as Histogram;
  assert.equal(slowerThan(h, 0.1), 50);
  assert.equal(slowerThan(h, 0.25), 10, "the 10 requests beyond the highest bound count as slower than it");
  assert.equal(boundAtQuantile(h, 0.5), 0.1);
  assert.equal(boundAtQuantile(h, 0.9), 0.25);
  assert.equal(boundAtQuantile(h, 0.95), undefined, "the 95th percentile is beyond every finite bound");
  assert.deepEqual(histogramOf([{ le: 0.1, count: 3 }], "stable"), { problem: `the stable's buckets have no le="+Inf" bucket, so the total is unknown; query the _bucket series with sum by (le)` });
  const wobbly = histogramOf([{ le: 0.1, count: 5.2 }, { le: 0.25, count: 4.9 }, { le: Number.POSITIVE_INFINITY, count: 7 }], "canary") as Histogram;
  assert.deepEqual(wobbly.buckets.map((b) => b.count), [5.2, 5.2, 7], "extrapolated increases made monotone");
  assert.equal(addHistograms(h, h).total, 200);
});

/** A histogram from counts per bucket (bounds ascending, the last count for +Inf). */
const fromCounts = (bounds: readonly number[], counts: readonly number[]): Histogram => {
  let running = 0;
  const raw = [...bounds, Number.POSITIVE_INFINITY].map((le, i) => ({ le, count: (running += counts[i] ?? 0) }));
  return histogramOf(raw, "pooled") as Histogram;
};

test("the bound a level tests: the upper edge of its quantile's bucket, the lower edge when that bucket holds the tail", () => {
  const bounds = [0.05, 0.1, 0.25, 0.3, 0.5];
  // 2% of requests in (0.25, 0.3] and none beyond: the 99th percentile's bucket is the tail itself.
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [600, 380, 0, 20, 0, 0]), 0.99), 0.25);
  // For the 99.9th, "none beyond 0.3" needs more requests to mean something: 1 in 1,001 could be 1 in 1,000.
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [600, 380, 0, 20, 0, 0]), 0.999), 0.3);
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [18000, 11400, 0, 600, 0, 0]), 0.999), 0.25);
  // The 99th percentile near the top of a wide bucket, a few requests beyond: the upper edge.
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [9000, 400, 580, 20, 0, 0]), 0.99), 0.25);
  // Nothing seen beyond yet in a small pool is no reason to leave the upper edge.
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [2800, 100, 100, 0, 0, 0]), 0.999), 0.25);
  // Beyond every finite bound: the highest one; below the first: the first.
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [10, 0, 0, 0, 0, 5]), 0.9), 0.5);
  assert.equal(tailBoundAtQuantile(fromCounts(bounds, [1000, 0, 0, 0, 0, 0]), 0.5), 0.05);
});

test("a canary tail inside one bucket is caught: its quantiles' bucket is tested at its lower edge", () => {
  // Found by CI: 3% of canary requests answer in (0.25, 0.3], stable's never; the bodies are alike and spread.
  // With the upper edge, every tail level tested "slower than 0.3", where neither side has a request.
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.25, 0.3, 0.5];
  const canary = fromCounts(bounds, [243, 242, 243, 242, 0, 30, 0, 0]);
  const stable = fromCounts(bounds, [250, 250, 250, 250, 0, 0, 0, 0]);
  let state: RequestJudgeState | undefined;
  let judged: ReturnType<typeof judgeRequests> | undefined;
  for (let i = 0; i < 4 && judged?.verdict !== "High"; i++) {
    judged = judgeRequests(latency({ alpha: 0.01 }), { canary: { requests: 1000, histogram: canary }, stable: { requests: 1000, histogram: stable } }, state);
    state = judged.state;
  }
  assert.equal(judged?.verdict, "High", JSON.stringify(judged?.strongest));
  assert.equal(judged?.strongest?.bound, 0.25);
});

test("null at a 10/90 split: latency and errors abort at most α over 20 looks (10 minutes)", () => {
  const random = seededRandom(21);
  const same: Trial = { canary: BASE, stable: BASE, canaryErrors: 0.001, stableErrors: 0.001, share: 0.1 };
  const runs = 300;
  const latencyFalse = rate(random, latency(), same, 20, runs);
  assert.ok(latencyFalse <= bound(0.02, runs), `latency: ${latencyFalse}`);
  const errorsFalse = rate(random, errors, same, 20, runs);
  assert.ok(errorsFalse <= bound(0.02, runs), `errors: ${errorsFalse}`);
});

test("at a 10/90 split: errors 0.1% → 1% within 3 minutes, the slowest 1% twice as slow within 5, the median +20% within 2", () => {
  const random = seededRandom(22);
  const runs = 100;
  const errorJump = rate(random, errors, { canary: BASE, stable: BASE, canaryErrors: 0.01, stableErrors: 0.001, share: 0.1 }, 6, runs);
  assert.ok(errorJump >= 0.95, `errors: ${errorJump}`);
  const tail = rate(random, latency(), { canary: { ...BASE, slowest: { fraction: 0.01, factor: 2 } }, stable: BASE, canaryErrors: 0, stableErrors: 0, share: 0.1 }, 10, runs);
  assert.ok(tail >= 0.95, `slowest 1% ×2: ${tail}`);
  const medianUp = rate(random, latency(), { canary: { ...BASE, scale: 1.2 }, stable: BASE, canaryErrors: 0, stableErrors: 0, share: 0.1 }, 4, runs);
  assert.ok(medianUp >= 0.95, `median +20%: ${medianUp}`);
});

test("the allowance is part of the hypothesis: with maxIncrease 100% a doubled error rate is not aborted more than α", () => {
  const random = seededRandom(23);
  const runs = 200;
  // Odds ratio just under 2 for p = 0.2% vs 0.1%: inside the allowance.
  const doubled = rate(random, { ...errors, maxIncrease: 1 }, { canary: BASE, stable: BASE, canaryErrors: 0.002, stableErrors: 0.001, share: 0.1 }, 20, runs);
  assert.ok(doubled <= bound(0.02, runs), `${doubled}`);
});

test("no Pass before minRequests on each side; the state goes through JSON and on", () => {
  const random = seededRandom(24);
  let state: RequestJudgeState | undefined;
  const verdicts: RequestVerdict[] = [];
  for (let i = 0; i < 4; i++) {
    const judged = judgeRequests(latency({ minRequests: 700 }), { canary: sideLook(random, 10, 30, BASE, 0), stable: sideLook(random, 90, 30, BASE, 0) }, state);
    verdicts.push(judged.verdict);
    state = parseRequestState(serializeRequestState(judged.state));
  }
  // 10 canary requests/s × 30 s = ~300 a look: 700 reached at the third look.
  assert.deepEqual(verdicts.slice(0, 2), ["NotYet", "NotYet"]);
  assert.equal(verdicts[3], "Pass");
  assert.equal(state?.looks, 4);
});

test("the state through its text form judges exactly as in memory: +Inf stays the highest bound", () => {
  // Found by CI: JSON.stringify writes le=+Inf as null, which sorted first and moved every chosen bound.
  const random = seededRandom(25);
  const tail: Latency = { ...BASE, slowest: { fraction: 0.01, factor: 3 } };
  let inMemory: RequestJudgeState | undefined;
  let throughText: RequestJudgeState | undefined;
  for (let i = 0; i < 6; i++) {
    const look = { canary: sideLook(random, 50, 30, tail, 0), stable: sideLook(random, 50, 30, BASE, 0) };
    const a = judgeRequests(latency(), look, inMemory);
    const b = judgeRequests(latency(), look, throughText);
    assert.deepEqual(b.state.bounds, a.state.bounds, `look ${i + 1}`);
    assert.equal(b.eValue, a.eValue);
    inMemory = a.state;
    throughText = parseRequestState(serializeRequestState(b.state));
    assert.equal(throughText?.pooled?.buckets.at(-1)?.le, Number.POSITIVE_INFINITY);
  }
  assert.equal(parseRequestState("{not json"), undefined);
});
