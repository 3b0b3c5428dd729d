/**
 * The Beta distribution function and its inverse against R (4.2.2), and the Clopper-Pearson bounds made of them:
 * R's values typed in, with the call that gave each; coverage checked by enumerating the binomial.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gammaln } from "simple-statistics";
import { betaQuantileBelow, incompleteBeta } from "../../../src/analysis/counts/beta-quantile.ts";
import { errorRatioAtLeast, errorRatioAtMost } from "../../../src/analysis/counts/error-ratio-bound.ts";

const close = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual}, R says ${expected}`);

test("I_x(a, b) is R's pbeta", () => {
  // [x, a, b, pbeta(x, a, b)] from R: options(digits = 17); pbeta(x, a, b)
  const cases: [number, number, number, number][] = [
    [0.3, 2, 5, 0.57982500000000015],
    [0.001, 3, 2998, 0.57692199894116825],
    [0.9, 0.5, 0.5, 0.79516723530086664],
    [0.0042, 120, 26881, 0.27945861107271597],
    [0.6, 40, 30, 0.68185619740943681],
  ];
  for (const [x, a, b, r] of cases) close(incompleteBeta(x, a, b), r, 1e-10, `pbeta(${x}, ${a}, ${b})`);
  // At 10^8 requests simple-statistics' gammaln (Lanczos) loses digits in B(a, b): still 1e-6 relative.
  close(incompleteBeta(0.00049, 5e4, 1e8), 5.6451992146158129e-6, 1e-6, "pbeta(0.00049, 5e4, 1e8)");
  assert.equal(incompleteBeta(0, 2, 3), 0);
  assert.equal(incompleteBeta(1, 2, 3), 1);
  assert.throws(() => incompleteBeta(0.5, 0, 3), /needs a > 0 and b > 0/);
});

test("the quantile is R's qbeta, approached from below", () => {
  // [q, a, b, qbeta(q, a, b)] from R: options(digits = 17); qbeta(q, a, b)
  const cases: [number, number, number, number][] = [
    [0.025, 1, 100, 0.00025314603297742054],
    [0.0001, 5, 4996, 8.8923656714921811e-5],
    [1e-6, 135, 26866, 0.0032167138907031444],
    [0.01, 54, 53947, 0.00071096275922790417],
    [0.5, 2, 3, 0.38572756813238951],
    [0.99, 30, 40, 0.56698855227506195],
    [0.001, 5e4, 1e7, 0.0049068203737253858],
  ];
  for (const [q, a, b, r] of cases) {
    const x = betaQuantileBelow(q, a, b);
    close(x, r, 1e-9, `qbeta(${q}, ${a}, ${b})`);
    assert.ok(incompleteBeta(x, a, b) <= q, `qbeta(${q}, ${a}, ${b}) from below`);
  }
  close(betaQuantileBelow(1e-5, 1, 1e7), 1.0000050000328328e-12, 1e-7, "qbeta(1e-5, 1, 1e7)");
});

test("Clopper-Pearson bounds are R's binom.test interval, with 0 and 1 at the ends", () => {
  // binom.test(3, 3000, conf.level = 0.99)$conf.int: 0.00011265234124649327, 0.0036542972180113168
  close(errorRatioAtLeast(3, 3000, 0.005), 0.00011265234124649327, 1e-9, "lower");
  close(errorRatioAtMost(3, 3000, 0.005), 0.0036542972180113168, 1e-9, "upper");
  // qbeta(2.5e-05, 135, 26866) and qbeta(1 - 2.5e-05, 136, 26865): 135 failed of 27000 at 2.5e-5 a side.
  close(errorRatioAtLeast(135, 27000, 2.5e-5), 0.0034443590537458447, 1e-9, "lower, 135 of 27000");
  close(errorRatioAtMost(135, 27000, 2.5e-5), 0.0069756337942906699, 1e-8, "upper, 135 of 27000");
  assert.equal(errorRatioAtLeast(0, 500, 0.005), 0, "no failure: nothing rules out 0");
  // qbeta(0.995, 1, 500) = 1 - 0.005^(1/500) = 0.010540688188675817
  close(errorRatioAtMost(0, 500, 0.005), 0.010540688188675817, 1e-9, "upper with no failure");
  // qbeta(0.005, 40, 1) = 0.87593978047062426: all 40 failed
  close(errorRatioAtLeast(40, 40, 0.005), 0.87593978047062426, 1e-9, "lower with every request failed");
  assert.equal(errorRatioAtMost(40, 40, 0.005), 1);
  assert.equal(errorRatioAtLeast(0, 0, 0.005), 0);
  assert.equal(errorRatioAtMost(0, 0, 0.005), 1);
});

test("coverage: P(p < lower) ≤ level and P(p > upper) ≤ level, by enumerating Binomial(n, p)", () => {
  const n = 300;
  const level = 0.05;
  for (const p of [0.002, 0.01, 0.05, 0.3, 0.5, 0.97]) {
    let below = 0;
    let above = 0;
    let mass = 0;
    for (let x = 0; x <= n; x++) {
      // In logs: (1 − p)^n alone underflows at p = 0.97.
      const pmf = Math.exp(gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1) + x * Math.log(p) + (n - x) * Math.log1p(-p));
      mass += pmf;
      if (errorRatioAtLeast(x, n, level) > p) below += pmf;
      if (errorRatioAtMost(x, n, level) < p) above += pmf;
    }
    assert.ok(Math.abs(mass - 1) < 1e-9, `the pmf adds up to ${mass}`);
    assert.ok(below + above > level / 10, `p ${p}: the bounds are exact, not vacuous (misses ${below + above})`);
    assert.ok(below <= level, `p ${p}: lower bound above p with probability ${below}`);
    assert.ok(above <= level, `p ${p}: upper bound below p with probability ${above}`);
  }
});
