/** Detecting a histogram_quantile answered from the +Inf bucket (capped at the highest finite bound). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cappedSteps } from "../../src/analysis/compare-capping.ts";
import { checkCapping, parseQuantileQuery } from "../../src/analysis/quantile-capping.ts";
import type { Series } from "../../src/providers/types.ts";

const buckets = (counts: Record<string, number>, extra: Record<string, string> = {}): Series[] =>
  Object.entries(counts).map(([le, v]) => ({ labels: { le, ...extra }, points: [[1, v]] }));

describe("parseQuantileQuery", () => {
  it("splits histogram_quantile(q, inner)", () => {
    assert.deepEqual(parseQuantileQuery(' histogram_quantile(0.999, sum by (le) (rate(x_bucket{a="(,)"}[1m])))\n'), {
      quantile: 0.999,
      inner: 'sum by (le) (rate(x_bucket{a="(,)"}[1m]))',
    });
  });
  it("ignores other forms", () => {
    assert.equal(parseQuantileQuery("histogram_quantile(0.99, x) * 1000"), undefined);
    assert.equal(parseQuantileQuery("sum(rate(x[1m]))"), undefined);
    assert.equal(parseQuantileQuery("histogram_quantile($q, x)"), undefined);
  });
});

describe("checkCapping", () => {
  it("capped exactly when q·count(+Inf) exceeds the highest finite bucket", () => {
    // 1000 observations, 996 at or below 0.5 s: p99 is inside, p99.9 is in +Inf.
    const b = buckets({ "0.1": 900, "0.5": 996, "+Inf": 1000 });
    assert.deepEqual(checkCapping(0.99, b), { capped: false, highestFiniteBound: 0.5, fractionAbove: 0.004 });
    assert.equal(checkCapping(0.999, b).capped, true);
    assert.equal(checkCapping(0.996, b).capped, false); // rank 996 is reached at le=0.5
  });
  it("the maximum (q = 1) is capped as soon as one observation lies above the highest finite bucket", () => {
    assert.equal(checkCapping(1, buckets({ "0.1": 900, "0.5": 1000, "+Inf": 1000 })).capped, false);
    assert.equal(checkCapping(1, buckets({ "0.1": 900, "0.5": 999, "+Inf": 1000 })).capped, true);
  });
  it("no observations or no +Inf bucket: nothing to say", () => {
    assert.deepEqual(checkCapping(0.99, buckets({ "0.5": 0, "+Inf": 0 })), { capped: false });
    assert.deepEqual(checkCapping(0.99, buckets({ "0.5": 5 })), { capped: false });
  });
  it("checks each histogram when the query keeps other labels", () => {
    const b = [...buckets({ "0.5": 100, "+Inf": 100 }, { pod: "a" }), ...buckets({ "0.5": 90, "+Inf": 100 }, { pod: "b" })];
    assert.equal(checkCapping(0.99, b).capped, true);
  });
});

describe("cappedSteps (compare metrics: the same check at every step of a range query)", () => {
  it("finds the capped timestamps of one side and the bound", () => {
    const series = (le: string, values: number[]): Series => ({ labels: { le }, points: values.map((v, i) => [10 * i, v] as const) });
    // Step 10: 3 of 100 requests above le=0.5, so its p99 is capped; steps 0 and 20 are not.
    const result = cappedSteps(0.99, [series("0.1", [50, 50, 50]), series("0.5", [100, 97, 99]), series("+Inf", [100, 100, 100])]);
    assert.deepEqual([...result.capped], [10]);
    assert.equal(result.highestFiniteBound, 0.5);
  });
});
