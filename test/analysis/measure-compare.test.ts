/** Compare measurements: same time span on both sides; a warning when points overlap. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commonStart } from "../../src/analysis/measure-compare.ts";
import { longestRangeMs, overlapWarning, promDurationMs } from "../../src/analysis/range-overlap.ts";

describe("commonStart", () => {
  it("drops the points of the side that started earlier", () => {
    const stable = [[1, 0.1], [2, 0.1], [3, 0.1], [4, 0.1]] as const;
    const canary = [[3, 0.2], [4, 0.2]] as const;
    assert.deepEqual(commonStart(canary, stable), { canary, stable: [[3, 0.1], [4, 0.1]] });
    assert.deepEqual(commonStart(stable, canary), { canary: [[3, 0.1], [4, 0.1]], stable: canary });
  });
  it("leaves an empty side empty (the judge then reports which side had no data)", () => {
    const stable = [[1, 0.1]] as const;
    assert.deepEqual(commonStart([], stable), { canary: [], stable });
  });
});

describe("overlapping points", () => {
  it("finds the longest range selector, subquery ranges included, ignoring brackets in strings", () => {
    assert.equal(longestRangeMs('histogram_quantile(0.999, sum by (le) (rate(x_bucket{a="[1h]"}[10s])))'), 10_000);
    assert.equal(longestRangeMs("max_over_time(rate(x[30s])[5m:1m])"), 300_000);
    assert.equal(longestRangeMs("sum(x) / sum(y)"), undefined);
    assert.equal(promDurationMs("1m30s"), 90_000);
    assert.equal(promDurationMs("{{args.window}}"), undefined);
  });
  it("warns when the range is longer than the step and says what to set", () => {
    const query = "histogram_quantile(0.999, sum by (le) (rate(x_bucket[10s])))";
    assert.equal(overlapWarning(query, 10_000), undefined);
    assert.equal(overlapWarning(query, 15_000), undefined);
    assert.equal(
      overlapWarning(query, 1000),
      "points overlap: the query's range [10s] is longer than step 1s, so neighbouring points share requests and the judge's tests, which assume independent points, overstate the evidence; set compare.step to 10s or more",
    );
  });
});
