import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hodgesLehmann } from "../../../src/analysis/judge/hodges-lehmann.ts";
import { normalQuantile } from "../../../src/analysis/judge/normal.ts";

test("Kayenta MannWhitneySuite 'returns expected values': CI [6, 39], estimate 22.5 at 95%", () => {
  // spinnaker/kayenta kayenta-mannwhitney/src/test/scala/.../MannWhitneySuite.scala:
  // control 1,2,3,4; experiment 10,20,30,40; confidenceLevel 0.95 → confidenceInterval (6.0, 39.0), estimate 22.5.
  const result = hodgesLehmann([10, 20, 30, 40], [1, 2, 3, 4], 0.95);
  assert.equal(result.lower, 6);
  assert.equal(result.upper, 39);
  assert.equal(result.estimate, 22.5);
});

/**
 * A literal transcription of R's asymptotic interval code (stats:::wilcox.test.default, two-sample branch with
 * conf.int = TRUE, exact = FALSE, correct = TRUE, as quoted in Kayenta's MannWhitneySuite): midranks of
 * c(x - d, y), tie-corrected sigma from those ranks, continuity correction sign(dz)·0.5, and a root search on
 * [min(x) - max(y), max(x) - min(y)]. Here the root search is plain bisection to 1e-9, computed in the test.
 */
function rInterval(x: number[], y: number[], confidence: number): [number, number] {
  const n = x.length;
  const m = y.length;
  const wdiff = (d: number, zq: number): number => {
    const pooled = [...x.map((v) => v - d), ...y];
    const ranks = pooled.map((v) => pooled.filter((w) => w < v).length + (pooled.filter((w) => w === v).length + 1) / 2);
    const counts = new Map<number, number>();
    for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
    let ties = 0;
    for (const t of counts.values()) ties += t ** 3 - t;
    const dz = ranks.slice(0, n).reduce((a, b) => a + b, 0) - (n * (n + 1)) / 2 - (n * m) / 2;
    const sigma = Math.sqrt(((n * m) / 12) * (n + m + 1 - ties / ((n + m) * (n + m - 1))));
    return (dz - Math.sign(dz) * 0.5) / sigma - zq;
  };
  const muMin = Math.min(...x) - Math.max(...y);
  const muMax = Math.max(...x) - Math.min(...y);
  const root = (zq: number): number => {
    if (wdiff(muMin, zq) <= 0) return muMin;
    if (wdiff(muMax, zq) >= 0) return muMax;
    let lo = muMin;
    let hi = muMax;
    while (hi - lo > 1e-9) {
      const mid = (lo + hi) / 2;
      if (wdiff(mid, zq) > 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const alpha = 1 - confidence;
  return [root(normalQuantile(1 - alpha / 2)), root(normalQuantile(alpha / 2))];
}

test("the exact inversion equals R's root-finding on random samples with ties", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 25 }),
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 25 }),
      fc.constantFrom(0.8, 0.9, 0.95, 0.98, 0.99),
      (x, y, confidence) => {
        const ours = hodgesLehmann(x, y, confidence);
        const [lower, upper] = rInterval(x, y, confidence);
        assert.ok(Math.abs(ours.lower - lower) < 1e-6, `lower ${ours.lower} vs R ${lower}`);
        assert.ok(Math.abs(ours.upper - upper) < 1e-6, `upper ${ours.upper} vs R ${upper}`);
      },
    ),
    { seed: 7, numRuns: 150 },
  );
});

test("properties: interval contains the estimate, narrows with lower confidence, moves with a shift", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: -500, max: 500 }),
      (x, y, shift) => {
        const wide = hodgesLehmann(x, y, 0.99);
        const narrow = hodgesLehmann(x, y, 0.8);
        assert.ok(wide.lower <= wide.estimate && wide.estimate <= wide.upper, JSON.stringify(wide));
        assert.ok(narrow.lower <= narrow.estimate && narrow.estimate <= narrow.upper, JSON.stringify(narrow));
        assert.ok(wide.lower <= narrow.lower && narrow.upper <= wide.upper);
        const moved = hodgesLehmann(
          x.map((v) => v + shift),
          y,
          0.99,
        );
        const tolerance = 1e-9 * (1 + Math.abs(shift) + Math.abs(wide.estimate));
        assert.ok(Math.abs(moved.estimate - (wide.estimate + shift)) <= 1e-6 + tolerance);
      },
    ),
    { seed: 11, numRuns: 200 },
  );
});

test("+Inf points are the largest values: the estimate and the interval may be infinite, never NaN", () => {
  // Half the canary at +Inf: half the differences are +Inf, the median sits between the finite ones and them.
  const stable = [1, 2, 3, 4, 5, 6];
  const slowHalf = hodgesLehmann([2, 3, 4, Infinity, Infinity, Infinity], stable, 0.9);
  assert.ok(!Number.isNaN(slowHalf.estimate) && !Number.isNaN(slowHalf.lower) && !Number.isNaN(slowHalf.upper), JSON.stringify(slowHalf));
  assert.equal(slowHalf.upper, Infinity);
  // Mostly +Inf: the estimate itself is +Inf.
  assert.equal(hodgesLehmann([Infinity, Infinity, Infinity, Infinity, Infinity, 3], stable, 0.9).estimate, Infinity);
  // +Inf on both sides ties; -Inf and +Inf in the middle meet at 0.
  assert.equal(hodgesLehmann([Infinity, Infinity], [Infinity, Infinity], 0.9).estimate, 0);
  assert.equal(hodgesLehmann([Number.NEGATIVE_INFINITY, Infinity], [0], 0.9).estimate, 0);
});
