/** The threshold baseline's calibration: the smallest c that keeps the null trials' abort rate at the target. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { calibrateThreshold, maximumOverLooks, thresholdAbortLook } from "../../bench/judge/threshold.ts";
import { seededRandom } from "../../src/util/seeded-random.ts";

const abortRate = (maxima: number[], c: number) => maxima.filter((m) => m > c).length / maxima.length;

test("100 maxima 0..99 at 2%: c = 97, so exactly 98 and 99 abort; any smaller c lets a third through", () => {
  const maxima = Array.from({ length: 100 }, (_, i) => 99 - i); // order does not matter
  const c = calibrateThreshold(maxima, 0.02);
  assert.equal(c, 97);
  assert.equal(abortRate(maxima, c), 0.02);
  assert.equal(abortRate(maxima, 96.999), 0.03);
});

test("ties at the cut abort none of the tied trials; NaN and -Infinity (no statistic at any look) never abort", () => {
  assert.equal(calibrateThreshold([1, 1, 1, 1], 0.5), 1); // c < 1 would abort all four
  assert.equal(calibrateThreshold([Number.NaN, Number.NEGATIVE_INFINITY, 0.5, 0.7], 0.25), 0.5);
  assert.throws(() => calibrateThreshold([], 0.02));
});

test("on random maxima the calibrated c is the minimal one keeping the rate at most the target", () => {
  const random = seededRandom(5);
  for (const n of [50, 999, 1000, 5000]) {
    const maxima = Array.from({ length: n }, () => Math.exp(random()));
    const c = calibrateThreshold(maxima, 0.02);
    assert.ok(abortRate(maxima, c) <= 0.02);
    const next = Math.max(...maxima.filter((m) => m < c));
    assert.ok(abortRate(maxima, next) > 0.02, `n ${n}: a smaller c would also do`);
  }
});

test("a trial aborts at the first look whose statistic exceeds c, which is exactly when its maximum does", () => {
  const statistics = [Number.NaN, 0.1, 0.4, 0.2, 0.9];
  assert.equal(thresholdAbortLook(statistics, 0.3), 3);
  assert.equal(thresholdAbortLook(statistics, 0.9), 0);
  assert.equal(maximumOverLooks(statistics), 0.9);
  assert.equal(maximumOverLooks([Number.NaN]), Number.NEGATIVE_INFINITY);
});
