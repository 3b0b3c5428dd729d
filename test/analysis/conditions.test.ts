/** Conditions (thresholds and CEL) and the fail-safe verdict of a threshold measurement. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { assessThreshold } from "../../src/analysis/assess-threshold.ts";
import { evaluateCondition } from "../../src/analysis/conditions.ts";
import type { QueryResult } from "../../src/providers/types.ts";

describe("evaluateCondition", () => {
  const cases: Array<[string, Parameters<typeof evaluateCondition>[0], number | number[], string]> = [
    ["max holds", { max: 0.01 }, 0.005, "holds"],
    ["max at the bound holds", { max: 0.01 }, 0.01, "holds"],
    ["max exceeded", { max: 0.01 }, 0.02, "fails"],
    ["min holds", { min: 0.99 }, 0.995, "holds"],
    ["min and max", { min: 1, max: 2 }, 3, "fails"],
    ["+Inf fails a max", { max: 1 }, Infinity, "fails"],
    ["NaN never holds", { max: 1 }, Number.NaN, "fails"],
    ["NaN never holds a min", { min: 0 }, Number.NaN, "fails"],
    ["a list holds when every element does", { max: 1 }, [0.1, 0.5], "holds"],
    ["a list fails when one element does", { max: 1 }, [0.1, 5], "fails"],
    ["CEL on a number", "result < 0.01", 0.005, "holds"],
    ["CEL false", "result < 0.01", 0.5, "fails"],
    ["CEL on a list", "result.all(x, x < 1)", [0.2, 0.4], "holds"],
    ["CEL on a list, index", "result[1] > 0.3", [0.2, 0.4], "holds"],
    ["CEL NaN comparison is false", "result < 1", Number.NaN, "fails"],
    ["CEL +Inf", "result > 1000.0", Infinity, "holds"],
    ["CEL integer literal against a double", "result <= 1", 1, "holds"],
    // Argo's idiom: a Prometheus vector is a list there. On one value it is a one-element list here.
    ["Argo's result[0] on one value", "result[0] >= 0.95", 0.97, "holds"],
    ["Argo's result[0] on one value, failing", "result[0] >= 0.95", 0.9, "fails"],
    ["Argo's result[0] in a compound", "result[0] <= 0.3 && result[0] >= 0.0", 0.2, "holds"],
    ["size(result) on one value", "size(result) == 1", 0.2, "holds"],
    ["result.all on one value", "result.all(x, x < 1)", 0.2, "holds"],
    ["result still a number when not indexed", "result >= 0.95", 0.97, "holds"],
  ];
  for (const [name, condition, value, want] of cases) {
    it(name, () => assert.equal(evaluateCondition(condition, value).kind, want));
  }

  it("an expression that cannot be evaluated is an error with the reason", () => {
    const syntax = evaluateCondition("result <", 1);
    assert.equal(syntax.kind, "error");
    assert.match(syntax.kind === "error" ? syntax.message : "", /^cannot evaluate "result <": /);
    const index = evaluateCondition("result[1] < 1", 0.5);
    assert.equal(index.kind, "error");
    assert.match(index.kind === "error" ? index.message : "", /index/);
    const mixed = evaluateCondition("result[0] < 1 && result > 0.0", 0.5);
    assert.equal(mixed.kind, "error");
    assert.match(mixed.kind === "error" ? mixed.message : "", /result is a number here/);
    const unknown = evaluateCondition("latency < 1", 0.5);
    assert.equal(unknown.kind, "error");
    const notBool = evaluateCondition("result + 1.0", 0.5);
    assert.deepEqual(notBool, { kind: "error", message: '"result + 1.0" must give true or false, got 1.5' });
  });

  it("never runs JavaScript", () => {
    const out = evaluateCondition("process.exit(1)", 1);
    assert.equal(out.kind, "error");
  });
});

const metricWith = (fields: Record<string, unknown>): Metric =>
  metricSchema.parse({ name: "m", provider: { prometheus: { query: "q" } }, successCondition: { max: 0.01 }, ...fields });
const vector = (...values: number[]): QueryResult => ({ resultType: "vector", series: values.map((v, i) => ({ labels: { i: String(i) }, points: [[1, v]] })) });

describe("assessThreshold (fail-safe)", () => {
  it("empty vector is Inconclusive with the no-data message", () => {
    const a = assessThreshold({ metric: metricWith({}), result: vector() });
    assert.deepEqual(a, { phase: "Inconclusive", shortOfData: true, message: "no data: query returned an empty vector; is the canary receiving traffic?" });
  });

  it("NaN is Inconclusive even when a CEL condition would accept it", () => {
    const a = assessThreshold({ metric: metricWith({ successCondition: "result != 0.5" }), result: vector(Number.NaN) });
    assert.equal(a.phase, "Inconclusive");
    assert.equal(a.value, "NaN");
    assert.match(a.message, /^no data: query returned NaN/);
    assert.equal(a.shortOfData, true);
  });

  it("a scalar NaN as well", () => {
    const a = assessThreshold({ metric: metricWith({}), result: { resultType: "scalar", series: [{ labels: {}, points: [[1, Number.NaN]] }] } });
    assert.equal(a.phase, "Inconclusive");
  });

  it("+Inf is judged like a number (fails a max)", () => {
    const a = assessThreshold({ metric: metricWith({}), result: vector(Infinity) });
    assert.equal(a.phase, "Failed");
    assert.equal(a.value, "+Inf");
  });

  it("fewer samples than minSamples is Inconclusive and shows the count", () => {
    const metric = metricWith({ minSamples: { query: "n", min: 100 } });
    const a = assessThreshold({ metric, result: vector(0.001), samples: 42.5 });
    assert.equal(a.phase, "Inconclusive");
    assert.equal(a.message, "not enough data: 42.5 samples in the window, at least 100 needed");
    assert.equal(a.shortOfData, true);
    assert.equal(assessThreshold({ metric, result: vector(0.001), samples: 100 }).phase, "Successful");
    assert.equal(assessThreshold({ metric, result: vector(0.001) }).phase, "Inconclusive");
  });

  it("success / failure condition combinations (Argo's rules)", () => {
    const both = metricWith({ successCondition: { max: 0.01 }, failureCondition: { min: 0.05 } });
    assert.equal(assessThreshold({ metric: both, result: vector(0.001) }).phase, "Successful");
    assert.equal(assessThreshold({ metric: both, result: vector(0.1) }).phase, "Failed");
    const neither = assessThreshold({ metric: both, result: vector(0.02) });
    assert.equal(neither.phase, "Inconclusive");
    assert.equal(neither.shortOfData, undefined, "inconclusive by the conditions, not for want of data");
    const onlyFailure = metricSchema.parse({ name: "m", provider: { prometheus: { query: "q" } }, failureCondition: { min: 0.05 } });
    assert.equal(assessThreshold({ metric: onlyFailure, result: vector(0.01) }).phase, "Successful");
    assert.equal(assessThreshold({ metric: onlyFailure, result: vector(0.06) }).phase, "Failed");
  });

  it("Argo's result[0] >= 0.95 judges a one-element vector (it was an Error: index 0 out of bounds)", () => {
    const metric = metricWith({ successCondition: "result[0] >= 0.95" });
    assert.equal(assessThreshold({ metric, result: vector(0.97) }).phase, "Successful");
    assert.equal(assessThreshold({ metric, result: vector(0.9) }).phase, "Failed");
  });

  it("a condition error is an Error measurement with the reason", () => {
    const a = assessThreshold({ metric: metricWith({ successCondition: "result[1] < 1" }), result: vector(0.5) });
    assert.equal(a.phase, "Error");
    assert.match(a.message, /cannot evaluate/);
  });

  it("a matrix or string result is an Error that says how to fix the query", () => {
    const a = assessThreshold({ metric: metricWith({}), result: { resultType: "matrix", series: [] } });
    assert.equal(a.phase, "Error");
    assert.match(a.message, /range vector/);
  });

  it("a capped quantile that would pass is Inconclusive; one that fails stays Failed", () => {
    const metric = metricWith({ successCondition: { max: 0.6 } });
    const capping = { capped: true, highestFiniteBound: 0.5, fractionAbove: 0.004 };
    const a = assessThreshold({ metric, result: vector(0.5), capping });
    assert.equal(a.phase, "Inconclusive");
    assert.match(a.message, /^capped: .*le=0\.5; 0\.4% of requests are slower/);
    assert.equal(a.metadata?.capped, "true");
    const b = assessThreshold({ metric: metricWith({ successCondition: { max: 0.3 } }), result: vector(0.5), capping });
    assert.equal(b.phase, "Failed");
    assert.match(b.message, /capped at the highest finite bucket/);
  });

  it("a maximum (histogram_quantile(1, ...)) says its value is a bucket's upper bound; capped, it is Inconclusive", () => {
    const metric = metricWith({ successCondition: { max: 1 } });
    const a = assessThreshold({ metric, result: vector(0.3), quantile: 1, capping: { capped: false, highestFiniteBound: 5, fractionAbove: 0 } });
    assert.equal(a.phase, "Successful");
    assert.match(a.message, /max: the upper bound of the histogram bucket holding the slowest request/);
    const p99 = assessThreshold({ metric, result: vector(0.3), quantile: 0.99 });
    assert.doesNotMatch(p99.message, /max:/);
    const capped = assessThreshold({ metric, result: vector(0.1), quantile: 1, capping: { capped: true, highestFiniteBound: 0.1, fractionAbove: 0.005 } });
    assert.equal(capped.phase, "Inconclusive");
    assert.match(capped.message, /^capped: /);
  });
});
