import assert from "node:assert/strict";
import { test } from "node:test";
import { mannWhitney } from "../../../src/analysis/judge/mann-whitney.ts";
import {
  MIXTURE_ALTERNATIVES,
  logMixtureEValue,
  updateSequential,
  type Point,
  type SequentialState,
} from "../../../src/analysis/judge/sequential.ts";
import { compareSettings, logNormalSampler, seededRandom } from "./random.ts";

const settings = compareSettings;

test("mixture e-value: hand computation of the mean likelihood ratio over the grid", () => {
  // k = 4 worse of n = 6: E = mean over p of (2p)^4 (2(1-p))^2, computed here term by term.
  const expected = MIXTURE_ALTERNATIVES.reduce((sum, p) => sum + (2 * p) ** 4 * (2 * (1 - p)) ** 2, 0) / MIXTURE_ALTERNATIVES.length;
  assert.ok(Math.abs(Math.exp(logMixtureEValue({ pairs: 6, worse: 4 })) - expected) < 1e-12);
  assert.equal(logMixtureEValue({ pairs: 0, worse: 0 }), 0); // no evidence: E = 1
  // Large n stays finite (log-sum-exp).
  assert.ok(Number.isFinite(logMixtureEValue({ pairs: 100000, worse: 100000 })));
});

/** log C(n, k), for the exact computations below. */
function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log((n - k + i) / i);
  return sum;
}

test("martingale property, computed exactly: E[E_n] = 1 under p = 1/2 and <= 1 under p < 1/2", () => {
  // Enumeration over k ~ Binomial(n, p), done in the test: no simulation error.
  for (const n of [1, 5, 20, 80, 200]) {
    for (const p of [0.5, 0.45, 0.3]) {
      let mean = 0;
      for (let k = 0; k <= n; k++) {
        mean += Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log(1 - p) + logMixtureEValue({ pairs: n, worse: k }));
      }
      if (p === 0.5) assert.ok(Math.abs(mean - 1) < 1e-9, `n=${n}: E[E_n] = ${mean}`);
      else assert.ok(mean <= 1 + 1e-12, `n=${n}, p=${p}: E[E_n] = ${mean}`);
    }
  }
});

test("exact false-abort probability when checking after every pair, up to 400 pairs, is <= α", () => {
  // Dynamic programme over the number of worse pairs, removing the paths that cross 1/α (computed in the test).
  for (const alpha of [0.02, 0.05]) {
    for (const p of [0.5, 0.4]) {
      let alive = new Float64Array([1]); // alive[k]: probability of k worse pairs so far without a crossing
      let crossed = 0;
      for (let n = 1; n <= 400; n++) {
        const next = new Float64Array(n + 1);
        for (let k = 0; k < alive.length; k++) {
          const mass = alive[k] ?? 0;
          next[k] = (next[k] ?? 0) + mass * (1 - p);
          next[k + 1] = (next[k + 1] ?? 0) + mass * p;
        }
        for (let k = 0; k <= n; k++) {
          if (logMixtureEValue({ pairs: n, worse: k }) >= Math.log(1 / alpha)) {
            crossed += next[k] ?? 0;
            next[k] = 0;
          }
        }
        alive = next;
      }
      assert.ok(crossed <= alpha, `alpha=${alpha}, p=${p}: crossing probability ${crossed}`);
      if (p === 0.5) assert.ok(crossed > alpha / 10, `the bound is not vacuous: ${crossed}`);
    }
  }
});

/** Points on a shared grid: interval i holds `perInterval` steps of 10 s. */
function interval(i: number, perInterval: number, draw: () => number): Point[] {
  return Array.from({ length: perInterval }, (_, j) => [10 * (i * perInterval + j), draw()] as const);
}

test("under H0 the false-abort rate over many looks stays ≤ α, while repeated fixed-horizon tests exceed it", () => {
  // Seeded simulation: 1000 runs × 30 looks × 6 new pairs per look; canary and stable i.i.d. log-normal
  // (the least favourable null for the sign test: P(worse) = 1/2 exactly).
  const runs = 1000;
  const looks = 30;
  const perLook = 6;
  const alpha = 0.02;
  const random = seededRandom(20260101);
  const draw = logNormalSampler(random, 180, 0.3);
  let sequentialAborts = 0;
  let repeatedFixedAlarms = 0;
  for (let run = 0; run < runs; run++) {
    let state: SequentialState | undefined;
    const canary: number[] = [];
    const stable: number[] = [];
    let sequentialFired = false;
    let fixedFired = false;
    for (let look = 0; look < looks; look++) {
      const c = interval(look, perLook, draw);
      const s = interval(look, perLook, draw);
      const outcome = updateSequential(state, c, s, settings({ confidence: 1 - alpha }));
      state = outcome.state;
      if (outcome.rejected !== undefined) sequentialFired = true;
      canary.push(...c.map(([, v]) => v));
      stable.push(...s.map(([, v]) => v));
      if (canary.length >= 30 && mannWhitney(canary, stable, "greater").pValue < alpha) fixedFired = true;
    }
    if (sequentialFired) sequentialAborts++;
    if (fixedFired) repeatedFixedAlarms++;
  }
  const sequentialRate = sequentialAborts / runs;
  const fixedRate = repeatedFixedAlarms / runs;
  // Margin: 3 binomial standard errors at α.
  const margin = 3 * Math.sqrt((alpha * (1 - alpha)) / runs);
  assert.ok(sequentialRate <= alpha + margin, `sequential false-abort rate ${sequentialRate}`);
  // The same simulation shows why: peeking with a fixed-horizon test at every look inflates false alarms.
  assert.ok(fixedRate > alpha + margin, `repeated fixed-horizon false-alarm rate ${fixedRate} should exceed ${alpha}`);
});

test("a clearly worse canary is aborted within a few looks; the decrease side stays quiet", () => {
  const random = seededRandom(5);
  const stableDraw = logNormalSampler(random, 180, 0.1);
  const canaryDraw = logNormalSampler(random, 270, 0.1);
  let state: SequentialState | undefined;
  let abortedAt: number | undefined;
  for (let look = 0; look < 10 && abortedAt === undefined; look++) {
    const outcome = updateSequential(state, interval(look, 6, canaryDraw), interval(look, 6, stableDraw), settings({ maxIncrease: "10%" }));
    state = outcome.state;
    if (outcome.rejected === "increase") abortedAt = look;
    assert.notEqual(outcome.rejected, "decrease");
  }
  assert.ok(abortedAt !== undefined && abortedAt <= 2, `aborted at look ${abortedAt}`);
});

test("direction decrease ignores a worse-is-higher regression; either catches it at α/2", () => {
  const canary = interval(0, 40, () => 300);
  const stable = interval(0, 40, () => 100);
  assert.equal(updateSequential(undefined, canary, stable, settings({ direction: "decrease" })).rejected, undefined);
  const either = updateSequential(undefined, canary, stable, settings({ direction: "either" }));
  assert.equal(either.rejected, "increase");
  assert.ok(Math.abs(either.levelPerSide - 0.01) < 1e-12);
});

test("restart safety: windows counted once, replay from stored samples rebuilds the state, JSON round-trips", () => {
  const random = seededRandom(9);
  const draw = logNormalSampler(random, 100, 0.5);
  const windows = [0, 1, 2, 3].map((i) => ({ c: interval(i, 5, draw), s: interval(i, 5, draw) }));
  let incremental: SequentialState | undefined;
  for (const w of windows) {
    incremental = updateSequential(incremental, w.c, w.s, settings()).state;
    // The same window again (a retried measurement) adds nothing.
    const again = updateSequential(incremental, w.c, w.s, settings()).state;
    assert.deepEqual(again, incremental);
    // A restart that lost memory but kept the stored JSON continues identically.
    incremental = JSON.parse(JSON.stringify(incremental)) as SequentialState;
  }
  const replayed = updateSequential(
    undefined,
    windows.flatMap((w) => w.c),
    windows.flatMap((w) => w.s),
    settings(),
  ).state;
  assert.deepEqual(replayed, incremental);
  assert.equal(replayed.increase.pairs, 20);
});

test("changed settings discard the old state; NaN and unmatched timestamps are not paired; a rejection latches", () => {
  const canary: Point[] = [
    [0, 5],
    [10, Number.NaN],
    [20, 7],
    [30, 9],
  ];
  const stable: Point[] = [
    [0, 1],
    [10, 1],
    [20, 7],
    [40, 1],
  ];
  const first = updateSequential(undefined, canary, stable, settings());
  // t=0 worse; t=10 NaN skipped; t=20 tie skipped; t=30 has no stable partner.
  assert.deepEqual(first.state.increase, { pairs: 1, worse: 1 });
  const changed = updateSequential(first.state, canary, stable, settings({ maxIncrease: "10%" }));
  assert.equal(changed.restarted, true);
  // Counted afresh under the new allowance: at t=20, 7 is below 7 + 10% and counts as "not worse".
  assert.deepEqual(changed.state.increase, { pairs: 2, worse: 1 });

  const latched: SequentialState = { ...first.state, rejected: "increase" };
  const later = updateSequential(latched, interval(9, 20, () => 1), interval(9, 20, () => 5), settings());
  assert.equal(later.rejected, "increase");
});

test("mayReject false (below minSamples) counts the pairs but neither rejects nor latches", () => {
  const canary = interval(0, 9, () => 300);
  const stable = interval(0, 9, () => 100);
  const held = updateSequential(undefined, canary, stable, settings(), false);
  assert.equal(held.rejected, undefined);
  assert.equal(held.state.rejected, undefined);
  assert.deepEqual(held.state.increase, { pairs: 9, worse: 9 });
  assert.ok(held.eIncrease >= 50);
  // The next look that may reject does so on the same evidence.
  assert.equal(updateSequential(held.state, canary, stable, settings()).rejected, "increase");
});

test("a canary at +Inf beside a finite stable is a worse pair, two infinities tie; NaN is still missing", () => {
  const canary = interval(0, 12, () => Number.POSITIVE_INFINITY);
  const stable = interval(0, 12, () => 100);
  const outcome = updateSequential(undefined, canary, stable, settings({ maxIncrease: "10%" }));
  assert.deepEqual(outcome.state.increase, { pairs: 12, worse: 12 });
  assert.equal(outcome.rejected, "increase");
  const ties = updateSequential(undefined, canary, interval(0, 12, () => Number.POSITIVE_INFINITY), settings({ maxIncrease: "10%" }));
  assert.deepEqual(ties.state.increase, { pairs: 0, worse: 0 });
  const missing = updateSequential(undefined, interval(0, 12, () => Number.NaN), stable, settings());
  assert.deepEqual(missing.state.increase, { pairs: 0, worse: 0 });
});

test("the allowance is in the sequential hypothesis too: a true shift equal to it aborts at most about α of the runs, however often it looks", () => {
  // Seeded: 1000 runs × 30 looks × 6 pairs; each pair is held to stable + allowance(stable), so at the boundary
  // P(worse) = 1/2 exactly ("50%": canary 1.5 times stable's distribution; 50: 50 added).
  const runs = 1000;
  const alpha = 0.02;
  const margin = 3 * Math.sqrt((alpha * (1 - alpha)) / runs);
  const random = seededRandom(20260516);
  const draw = logNormalSampler(random, 100, 0.3);
  for (const c of [{ maxIncrease: "50%", canary: () => 1.5 * draw() }, { maxIncrease: 50, canary: () => draw() + 50 }] as const) {
    let aborted = 0;
    for (let run = 0; run < runs; run++) {
      let state: SequentialState | undefined;
      for (let look = 0; look < 30; look++) {
        const outcome = updateSequential(state, interval(look, 6, c.canary), interval(look, 6, draw), settings({ maxIncrease: c.maxIncrease }));
        state = outcome.state;
        if (outcome.rejected !== undefined) {
          aborted++;
          break;
        }
      }
    }
    assert.ok(aborted / runs <= alpha + margin, `maxIncrease ${c.maxIncrease}: ${aborted / runs}`);
  }
});
