/** Checks on a query's range selectors: overlapping judge points, a measurement taken before its window filled. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { earlyMeasurementHint, longestRangeMs, overlapWarning } from "../../src/analysis/query-ranges.ts";
import { promDurationMs } from "../../src/providers/prom-duration.ts";

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

describe("a measurement before the window filled", () => {
  const query = "sum(increase(http_requests_total[10s]))";
  const start = new Date("2026-11-23T12:00:00Z");
  const after = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  it("gets a hint naming the window and the initialDelay to set", () => {
    assert.equal(earlyMeasurementHint(query, after(5), start), "measured 5s after the analysis started, inside the query's 10s window: set the metric's initialDelay to at least 10s");
  });
  it("gets none once the window has filled, without a range, or without a start", () => {
    assert.equal(earlyMeasurementHint(query, after(10), start), undefined);
    assert.equal(earlyMeasurementHint("sum(up)", after(1), start), undefined);
    assert.equal(earlyMeasurementHint(query, after(1), undefined), undefined);
  });
});
