import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { countAtMost, kthPairwiseDifference, sortPair } from "../../../src/analysis/judge/pairwise-differences.ts";

/** Brute force, computed in the test: all differences, sorted; ∞ - ∞ of the same sign is a tie (0). */
function allDifferences(x: number[], y: number[]): number[] {
  return x.flatMap((a) => y.map((b) => (a === b ? 0 : a - b))).sort((a, b) => a - b);
}

const side = fc.oneof(
  fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 1, maxLength: 20 }), // many ties
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }),
);

test("property: every order statistic equals the brute-force sorted differences", () => {
  fc.assert(
    fc.property(side, side, (x, y) => {
      const expected = allDifferences(x, y);
      const pair = sortPair(x, y);
      for (let k = 1; k <= expected.length; k++) {
        assert.equal(kthPairwiseDifference(pair, k), expected[k - 1], `k=${k}`);
      }
      const probe = expected[Math.floor(expected.length / 2)] ?? 0;
      assert.equal(countAtMost(pair, probe), expected.filter((d) => d <= probe).length);
    }),
    { seed: 13, numRuns: 200 },
  );
});

test("large samples stay cheap: 3,000 points per side (9 million differences) without materialising them", () => {
  const x = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001);
  const y = Array.from({ length: 3000 }, (_, i) => (i * 104729) % 2999);
  const pair = sortPair(x, y);
  const started = performance.now();
  const median = kthPairwiseDifference(pair, 4_500_000);
  assert.ok(performance.now() - started < 2000);
  assert.ok(countAtMost(pair, median) >= 4_500_000);
});

const withInfinities = fc.array(fc.oneof(fc.integer({ min: -10, max: 10 }), fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY)), { minLength: 1, maxLength: 20 });

test("property: ±Infinity are values: every order statistic equals the brute force in the extended reals, never NaN", () => {
  fc.assert(
    fc.property(withInfinities, withInfinities, (x, y) => {
      const expected = allDifferences(x, y);
      const pair = sortPair(x, y);
      for (let k = 1; k <= expected.length; k++) {
        const got = kthPairwiseDifference(pair, k);
        assert.ok(!Number.isNaN(got), `k=${k}`);
        assert.equal(got, expected[k - 1], `k=${k}`);
      }
    }),
    { seed: 21, numRuns: 300 },
  );
});
