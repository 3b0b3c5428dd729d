/** What the simulated Prometheus holds: cumulative counters at the scrape times, and the per-look counts built from it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUCKET_BOUNDS } from "../../bench/judge/latency-model.ts";
import { multinomialLogLikelihoodRatio, logRatios } from "../../bench/judge/oracle-sprt.ts";
import { intervalCounts } from "../../bench/judge/request-judge.ts";
import { BASE_BINS } from "../../bench/judge/scenarios.ts";
import { simulateScrapes } from "../../bench/judge/scrape-simulation.ts";
import { trialSeed } from "../../bench/judge/seeds.ts";
import { windowIncrease } from "../../bench/judge/window-increase.ts";
import { seededRandom } from "../../src/util/seeded-random.ts";

const canaryTraffic = { rate: 10, bins: BASE_BINS, errorRate: 0.01, history: 0 };

test("counters: scrapes every interval from the phase, monotonic in time and in le, +Inf = all requests", () => {
  const side = simulateScrapes(canaryTraffic, 7.5, 3.25, 600, seededRandom(1));
  assert.equal(side.times[0], 3.25);
  assert.equal(side.times.length, Math.floor((600 - 3.25) / 7.5) + 1);
  const total = side.cumulative[side.cumulative.length - 1] ?? new Float64Array(0);
  for (let k = 0; k < side.times.length; k++) {
    for (let j = 1; j < side.cumulative.length; j++) assert.ok((side.cumulative[j]?.[k] ?? 0) >= (side.cumulative[j - 1]?.[k] ?? 0));
    if (k > 0) {
      for (const column of side.cumulative) assert.ok((column[k] ?? 0) >= (column[k - 1] ?? 0));
      assert.ok((side.errors[k] ?? 0) >= (side.errors[k - 1] ?? 0));
    }
    assert.ok((side.errors[k] ?? 0) <= (total[k] ?? 0));
  }
  // A canary pod starts from zero: about 10/s × the last scrape's time requests in all, 1% of them errors.
  const last = side.times.length - 1;
  const expected = 10 * (side.times[last] ?? 0);
  assert.ok(Math.abs((total[last] ?? 0) - expected) < 4 * Math.sqrt(expected));
  assert.ok(Math.abs((side.errors[last] ?? 0) - expected * 0.01) < 4 * Math.sqrt(expected * 0.01));
});

test("the per-look counts are Prometheus' increase over (at - 30 s, at] of each counter, cumulative in le with +Inf last", () => {
  const canary = simulateScrapes(canaryTraffic, 10, 4, 600, seededRandom(2));
  const stable = simulateScrapes({ ...canaryTraffic, rate: 90, history: 3600 }, 10, 9, 600, seededRandom(3));
  const counts = intervalCounts(canary, stable, 4);
  const direct = windowIncrease(canary, 120, 30);
  assert.ok(direct);
  assert.equal(counts.canary.buckets.length, BUCKET_BOUNDS.length);
  assert.equal(counts.canary.buckets.at(-1)?.le, Number.POSITIVE_INFINITY);
  assert.equal(counts.canary.total, counts.canary.buckets.at(-1)?.count);
  assert.deepEqual(
    counts.canary.buckets.map((b) => b.count),
    [...direct.buckets],
  );
  assert.equal(counts.canary.errors, direct.errors);
  // Three scrapes (94, 104, 114) over 20 s of a 30 s range, extrapolated by 5 s at each end: a factor of 1.5.
  const total = canary.cumulative[canary.cumulative.length - 1] ?? new Float64Array(0);
  assert.ok(Math.abs(counts.canary.total - 1.5 * ((total[11] ?? 0) - (total[9] ?? 0))) < 1e-9);
});

test("oracle log-likelihood ratio: Σ n_j log(q_j / p_j) over the bins with requests", () => {
  const weights = logRatios(new Float64Array([0.5, 0.25, 0.25]), new Float64Array([0.25, 0.25, 0.5]));
  assert.ok(Math.abs(multinomialLogLikelihoodRatio([3, 7, 1], weights) - (3 * Math.log(2) + Math.log(0.5))) < 1e-12);
  // A bin H1 never fills refutes it with one request, and contributes nothing when empty.
  const never = logRatios(new Float64Array([1, 0]), new Float64Array([0.5, 0.5]));
  assert.equal(multinomialLogLikelihoodRatio([2, 0], never), 2 * Math.log(2));
  assert.equal(multinomialLogLikelihoodRatio([2, 1], never), Number.NEGATIVE_INFINITY);
});

test("trial seeds depend only on the coordinates and differ between streams and neighbours", () => {
  assert.equal(trialSeed(1, "cell", 2, 1, 17), trialSeed(1, "cell", 2, 1, 17));
  const seeds = new Set<number>();
  for (const stream of ["cell", "calibration"] as const) {
    for (let scenario = 0; scenario < 7; scenario++) for (let trial = 0; trial < 200; trial++) seeds.add(trialSeed(1, stream, scenario, 0, trial));
  }
  assert.equal(seeds.size, 2 * 7 * 200);
});
