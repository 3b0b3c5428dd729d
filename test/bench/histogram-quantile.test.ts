/**
 * bench/judge's histogram_quantile against the worked examples of Prometheus' test data
 * (promql/promqltest/testdata/histograms.test in prometheus/prometheus, classic `_bucket` series at 50m / 7m).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { histogramQuantile, type CumulativeBucket } from "../../bench/judge/histogram-quantile.ts";

const buckets = (pairs: [number, number][]): CumulativeBucket[] => pairs.map(([le, count]) => ({ le, count }));
const Inf = Number.POSITIVE_INFINITY;
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

// testhistogram at 50m: le 0.1 → 50, 0.2 → 70, 1 → 110, +Inf → 120 (start="positive"); the negative one too.
const positive = buckets([[0.1, 50], [0.2, 70], [1, 110], [Inf, 120]]);
const negative = buckets([[-0.2, 10], [-0.1, 20], [0.3, 20], [Inf, 30]]);

test("testhistogram: interpolation inside a bucket, the lowest bucket starting at 0", () => {
  close(histogramQuantile(0, positive), 0);
  close(histogramQuantile(0.2, positive), 0.048);
  close(histogramQuantile(0.5, positive), 0.15);
  close(histogramQuantile(0.8, positive), 0.72);
  close(histogramQuantile(1, positive), 1); // rank in +Inf: the highest finite bound
});

test("testhistogram with a lowest bound <= 0: that bound is returned, no interpolation from 0", () => {
  close(histogramQuantile(0, negative), -0.2);
  close(histogramQuantile(0.2, negative), -0.2);
  close(histogramQuantile(0.5, negative), -0.15);
  close(histogramQuantile(0.8, negative), 0.3);
  close(histogramQuantile(1, negative), 0.3);
});

test("testhistogram2: quantiles in the middle of a bucket (1, 3, 5) and testhistogram3", () => {
  const h2 = buckets([[0, 0], [2, 1], [4, 2], [6, 3], [Inf, 3]]);
  close(histogramQuantile(1 / 6, h2), 1);
  close(histogramQuantile(0.5, h2), 3);
  close(histogramQuantile(5 / 6, h2), 5);
  const h3 = buckets([[0, 0], [0.1, 50], [0.2, 70], [1, 110], [Inf, 110]]);
  close(histogramQuantile(0, h3), 0);
  close(histogramQuantile(0.25, h3), 0.055);
  close(histogramQuantile(0.5, h3), 0.125);
  close(histogramQuantile(0.75, h3), 0.45);
  close(histogramQuantile(1, h3), 1);
  const h3negative = buckets([[-0.25, 0], [-0.2, 10], [-0.1, 20], [0.3, 20], [Inf, 20]]);
  close(histogramQuantile(0.25, h3negative), -0.225);
  close(histogramQuantile(0.75, h3negative), -0.15);
  close(histogramQuantile(1, h3negative), -0.1);
});

test("special cases: q out of range, no +Inf bucket, no observations, unsorted and repeated bounds", () => {
  assert.equal(histogramQuantile(-0.1, positive), Number.NEGATIVE_INFINITY);
  assert.equal(histogramQuantile(1.01, positive), Inf);
  assert.ok(Number.isNaN(histogramQuantile(Number.NaN, positive)));
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([[0.1, 1], [0.2, 2]]))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, buckets([[0.1, 0], [Inf, 0]]))));
  assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
  close(histogramQuantile(0.5, [...positive].reverse()), 0.15);
  // Bounds written twice (le="0.2" and le="2e-1") are one bucket whose counts add up.
  close(histogramQuantile(0.5, buckets([[0.1, 50], [0.2, 35], [0.2, 35], [1, 110], [Inf, 120]])), 0.15);
});

test("non-monotonic counts (independently extrapolated increases) are repaired before the search", () => {
  // ensureMonotonic: 0.2's 8 becomes 10, so the median sits in the first bucket.
  close(histogramQuantile(0.5, buckets([[0.1, 10], [0.2, 8], [Inf, 10]])), 0.05);
  // A count within 1e-12 (relative) of the one before is snapped to it (correctPrecisionErrors): the float dust
  // in 0.2's count no longer makes q = 1 land in the (0.1, 0.2] bucket (0.2 without the snap).
  close(histogramQuantile(1, buckets([[0.1, 10], [0.2, 10 * (1 + 1e-13)], [Inf, 10 * (1 + 1e-13)]])), 0.1);
});
