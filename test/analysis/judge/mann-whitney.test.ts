import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { mannWhitney, rankSumSigma, tieTerm } from "../../../src/analysis/judge/mann-whitney.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, want ${expected} ± ${tolerance}`);

test("R wilcox.test with ties, two-sided, continuity correction (endmemo.com/r/wilcoxon.php)", () => {
  // > wilcox.test(x, y)  →  W = 51.5, p-value = 0.5966  ("Wilcoxon rank sum test with continuity correction")
  const x = [1, 5, 9, 24, 56, 21, 3, 7, 21, 4];
  const y = [12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5];
  const first = mannWhitney(x, y);
  assert.equal(first.u, 51.5);
  close(first.pValue, 0.5966, 0.00005, "p");
  // > y <- c(1233,4356,987,39999,1111,200000); wilcox.test(x, y)  →  W = 0, p-value = 0.001364
  const second = mannWhitney(x, [1233, 4356, 987, 39999, 1111, 200000]);
  assert.equal(second.u, 0);
  close(second.pValue, 0.001364, 0.0000005, "p");
});

test("R documentation example (Hollander & Wolfe 1973, p. 69): large-sample approximation without correction", () => {
  // ?wilcox.test: wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = FALSE)  →  W = 35, p-value = 0.1103
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  const result = mannWhitney(x, y, "greater", false);
  assert.equal(result.u, 35);
  close(result.pValue, 0.1103, 0.00005, "p");
});

test("R documentation example: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8))", () => {
  // ?wilcox.test example; R prints "Wilcoxon rank sum test with continuity correction ... W = 127.5,
  // p-value = 0.0001208" (output reproduced in public R Markdown renderings of the example). Data: R's datasets::airquality,
  // Ozone for May and August with the NAs removed, as R prints the data set.
  const may = [41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32, 23, 45, 115, 37];
  const august = [39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22, 59, 23, 31, 44, 21, 9, 45, 168, 73, 76, 118, 84, 85];
  const result = mannWhitney(may, august);
  assert.equal(result.u, 127.5);
  close(result.pValue, 0.0001208, 0.00000005, "p");
});

test("ClickHouse mannWhitneyUTest reference (tests/queries/0_stateless/01560_mann_whitney.sql, from SciPy)", () => {
  // Expected: U = 223.0, p = 0.5426959774289482 (two-sided, continuity correction, tie-corrected sigma).
  const left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295];
  const right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261];
  const result = mannWhitney(left, right);
  assert.equal(result.u, 223);
  close(result.pValue, 0.5426959774289482, 1e-12, "p");
});

test("tie term and sigma: hand computation", () => {
  // values 1,1,2,3,3,3: groups of 2 and 3 → (8-2) + (27-3) = 30
  assert.equal(tieTerm([3, 1, 3, 2, 1, 3]), 30);
  assert.equal(tieTerm([1, 2, 3]), 0);
  // no ties, n = m = 4: variance nm(N+1)/12 = 16·9/12 = 12
  close(rankSumSigma(4, 4, 0), Math.sqrt(12), 1e-15, "sigma");
  // all tied: no information
  assert.deepEqual(mannWhitney([5, 5, 5], [5, 5]).pValue, 1);
});

const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 30 });

test("property: U counts pairs (ties one half), p in [0, 1], two-sided = 2 × the one-sided p on the observed side", () => {
  fc.assert(
    fc.property(sample, sample, (x, y) => {
      let pairs = 0;
      for (const a of x) for (const b of y) pairs += a > b ? 1 : a === b ? 0.5 : 0;
      const two = mannWhitney(x, y, "two-sided");
      const greater = mannWhitney(x, y, "greater");
      const less = mannWhitney(x, y, "less");
      assert.equal(two.u, pairs);
      for (const r of [two, greater, less]) assert.ok(r.pValue >= 0 && r.pValue <= 1, `p=${r.pValue}`);
      const centred = pairs - (x.length * y.length) / 2;
      if (centred > 0) close(two.pValue, Math.min(1, 2 * greater.pValue), 1e-12, "two vs greater");
      if (centred < 0) close(two.pValue, Math.min(1, 2 * less.pValue), 1e-12, "two vs less");
      // Swapping the samples mirrors the statistic.
      close(mannWhitney(y, x, "two-sided").pValue, two.pValue, 1e-12, "symmetry");
    }),
    { seed: 42, numRuns: 300 },
  );
});
