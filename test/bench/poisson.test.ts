/** The exact count samplers: moments and, in the rejection region, the whole distribution. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { gammaln } from "simple-statistics";
import { binomial, poisson } from "../../bench/judge/poisson.ts";
import { seededRandom } from "../../src/util/seeded-random.ts";

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

test("Poisson draws have mean and variance equal to the mean, by inversion and by PTRS", () => {
  const random = seededRandom(7);
  const n = 40_000;
  for (const mean of [0.02, 0.7, 5, 11.9, 12, 40, 300]) {
    const m = moments(() => poisson(random, mean), n);
    const se = Math.sqrt(mean / n);
    assert.ok(Math.abs(m.mean - mean) < 5 * se, `mean ${mean}: got ${m.mean}`);
    assert.ok(Math.abs(m.variance / mean - 1) < 0.05, `mean ${mean}: variance ${m.variance}`);
  }
  assert.equal(poisson(random, 0), 0);
});

test("PTRS reproduces the Poisson(20) probabilities (chi-square over 8..32)", () => {
  const random = seededRandom(11);
  const n = 100_000;
  const mean = 20;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = poisson(random, mean);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let chiSquare = 0;
  let cells = 0;
  for (let k = 8; k <= 32; k++) {
    const expected = n * Math.exp(-mean + k * Math.log(mean) - gammaln(k + 1));
    chiSquare += ((counts.get(k) ?? 0) - expected) ** 2 / expected;
    cells++;
  }
  // 25 cells: the 99.9th percentile of chi-square(25) is 52.6.
  assert.ok(chiSquare < 52.6, `chi-square ${chiSquare.toFixed(1)} over ${cells} cells`);
});

test("binomial draws: mean n·p, variance n·p·(1-p), and the edges", () => {
  const random = seededRandom(3);
  const m = moments(() => binomial(random, 500, 0.01), 40_000);
  assert.ok(Math.abs(m.mean - 5) < 0.06, `${m.mean}`);
  assert.ok(Math.abs(m.variance / 4.95 - 1) < 0.05, `${m.variance}`);
  assert.equal(binomial(random, 0, 0.5), 0);
  assert.equal(binomial(random, 10, 0), 0);
  assert.equal(binomial(random, 10, 1), 10);
});
