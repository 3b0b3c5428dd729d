import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyShift } from "../../../src/analysis/judge/classify.ts";
import { scoreMetrics, type MetricOutcome } from "../../../src/analysis/judge/score.ts";

const shift = (estimate: number, lower: number, upper: number) => ({ estimate, lower, upper, confidence: 0.98 });

test("classification: the margin over the allowance must clear 0 and the shift Kayenta's tolerance 0.25·|estimate|", () => {
  const same = (s: ReturnType<typeof shift>) => ({ increase: s, decrease: s }); // no allowance: the margin is the shift
  assert.equal(classifyShift(shift(20, 9, 30), same(shift(20, 9, 30)), "increase"), "High");
  // Lower bound 4 is not above the tolerance 0.25·20 = 5: Pass (Kayenta's guard against tiny relative effects).
  assert.equal(classifyShift(shift(20, 4, 30), same(shift(20, 4, 30)), "increase"), "Pass");
  // With an allowance the decision is on the margin canary - (stable + allowance): its lower bound must be above 0.
  assert.equal(classifyShift(shift(20, 9, 30), { increase: shift(2, 1, 12), decrease: shift(20, 9, 30) }, "increase"), "High");
  // The estimate clears the allowance (margin +2) but its lower bound does not: not shown to exceed it, Pass.
  assert.equal(classifyShift(shift(20, 9, 30), { increase: shift(2, -9, 12), decrease: shift(20, 9, 30) }, "increase"), "Pass");
  // Direction: a decrease is never High, and only Low when decreases are watched.
  assert.equal(classifyShift(shift(-20, -30, -9), same(shift(-20, -30, -9)), "increase"), "Pass");
  assert.equal(classifyShift(shift(-20, -30, -9), same(shift(-20, -30, -9)), "decrease"), "Low");
  assert.equal(classifyShift(shift(-20, -30, -9), same(shift(-20, -30, -9)), "either"), "Low");
  assert.equal(classifyShift(shift(20, 9, 30), same(shift(20, 9, 30)), "decrease"), "Pass");
  assert.equal(classifyShift(shift(-20, -30, -9), { increase: shift(-20, -30, -9), decrease: shift(16, 6, 27) }, "decrease"), "Pass");
  // No change at all (identical constant samples): Pass. An infinite estimate needs only its bound above 0.
  assert.equal(classifyShift(shift(0, 0, 0), same(shift(0, 0, 0)), "either"), "Pass");
  assert.equal(classifyShift(shift(Infinity, 3, Infinity), same(shift(Infinity, 3, Infinity)), "increase"), "High");
});

const m = (name: string, classification: MetricOutcome["classification"], critical = false): MetricOutcome => ({ name, classification, critical });

test("score: share of passing metrics with data, thresholds 95 / 75", () => {
  const all = scoreMetrics([m("a", "Pass"), m("b", "Pass")]);
  assert.deepEqual([all.score, all.verdict], [100, "Successful"]);
  const marginal = scoreMetrics([m("a", "Pass"), m("b", "Pass"), m("c", "Pass"), m("d", "High")]);
  assert.deepEqual([marginal.score, marginal.verdict], [75, "Inconclusive"]);
  assert.match(marginal.reason, /marginal.*d \(High\)/);
  const failed = scoreMetrics([m("a", "Pass"), m("b", "Low")]);
  assert.deepEqual([failed.score, failed.verdict], [50, "Failed"]);
  // No-data metrics leave the denominator while under half: 2 of 2 with data passed.
  const someNoData = scoreMetrics([m("a", "Pass"), m("b", "Pass"), m("c", "NoData")]);
  assert.deepEqual([someNoData.score, someNoData.verdict], [100, "Successful"]);
  assert.match(someNoData.reason, /without data: c/);
  // Custom thresholds.
  assert.equal(scoreMetrics([m("a", "Pass"), m("b", "High")], { passScore: 50, marginalScore: 25 }).verdict, "Successful");
});

test("score overrides: critical failure → 0 Failed; half or more without data, or a critical without data → 0 Inconclusive", () => {
  const critical = scoreMetrics([m("a", "Pass"), m("b", "Pass"), m("c", "Pass"), m("lat", "High", true)]);
  assert.deepEqual([critical.score, critical.verdict], [0, "Failed"]);
  assert.match(critical.reason, /critical metric failed: lat \(High\)/);
  const half = scoreMetrics([m("a", "Pass"), m("b", "NoData")]);
  assert.deepEqual([half.score, half.verdict], [0, "Inconclusive"]);
  assert.match(half.reason, /1 of 2 metrics without data: b/);
  const criticalNoData = scoreMetrics([m("a", "Pass"), m("b", "Pass"), m("err", "NoData", true)]);
  assert.deepEqual([criticalNoData.score, criticalNoData.verdict], [0, "Inconclusive"]);
  const nothing = scoreMetrics([]);
  assert.equal(nothing.verdict, "Inconclusive");
  // Never Successful without data.
  assert.notEqual(scoreMetrics([m("a", "NoData")]).verdict, "Successful");
});

test("judge results feed the score: one High among three metrics is Failed (66.7 < 75)", async () => {
  const { judge } = await import("../../../src/analysis/judge/judge.ts");
  const series = (f: (i: number) => number) => Array.from({ length: 60 }, (_, i) => [i * 10, f(i)] as const);
  const base = { query: "q", direction: "increase" as const, confidence: 0.98, critical: false, minSamples: 50, step: "10s", sequential: false };
  const outcomes = [
    { name: "p99", canary: series((i) => 200 + (i % 7)), stable: series((i) => 100 + (i % 5)) },
    { name: "errors", canary: series((i) => i % 3), stable: series((i) => i % 3) },
    { name: "p50", canary: series((i) => 50 + (i % 4)), stable: series((i) => 50 + (i % 4)) },
  ].map(({ name, canary, stable }) => ({ name, critical: false, classification: judge({ name, canary, stable, compare: base }).classification }));
  const result = scoreMetrics(outcomes);
  assert.equal(result.verdict, "Failed");
  assert.ok(Math.abs(result.score - 200 / 3) < 1e-9);
  assert.match(result.reason, /p99 \(High\)/);
});
