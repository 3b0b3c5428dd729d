/** The bench's traffic model: bucket probabilities and exactly which requests each scenario moves. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUCKET_BOUNDS, binProbabilities, logNormal, scaled, slowestStretched } from "../../bench/judge/latency-model.ts";
import { BASE_LATENCY, SCENARIOS, canaryBins } from "../../bench/judge/scenarios.ts";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

test("bucket probabilities are prom-client's default bins, nonnegative, and sum to 1 in every scenario", () => {
  assert.deepEqual(BUCKET_BOUNDS.slice(0, -1), [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  assert.equal(BUCKET_BOUNDS.at(-1), Number.POSITIVE_INFINITY);
  for (const scenario of SCENARIOS) {
    const bins = canaryBins(scenario);
    assert.equal(bins.length, BUCKET_BOUNDS.length);
    for (const p of bins) assert.ok(p >= 0, `${scenario.id}: ${p}`);
    close(bins.reduce((a, b) => a + b, 0), 1, 1e-14);
  }
});

test("log-normal base: median 40 ms, and its 99th percentile where sigma 0.5 puts it", () => {
  close(BASE_LATENCY.survival(0.04), 0.5);
  // exp(0.5 × 2.3263478740408408) = 3.2002...: the p99 is 128.0 ms.
  close(BASE_LATENCY.upperQuantile(0.01), 0.04 * Math.exp(0.5 * 2.3263478740408408), 1e-12);
  close(BASE_LATENCY.survival(BASE_LATENCY.upperQuantile(0.01)), 0.01, 1e-14);
  // Bin (0.025, 0.05]: Φ(ln(1.25)/0.5) - Φ(ln(0.625)/0.5), computed independently with Python's math.erf.
  const bins = binProbabilities(BASE_LATENCY);
  close(bins[3] ?? 0, 0.6723050642884576 - 0.17360691875027223, 1e-13);
});

test("median +20% scales every request: the median moves to 48 ms", () => {
  const slower = scaled(logNormal(0.04, 0.5), 1.2);
  close(slower.survival(0.048), 0.5);
  close(slower.upperQuantile(0.01), 1.2 * BASE_LATENCY.upperQuantile(0.01));
});

for (const fraction of [0.01, 0.001]) {
  test(`slowest ${100 * fraction}% x2 moves exactly the requests above the base's ${100 * (1 - fraction)}th percentile`, () => {
    const cut = BASE_LATENCY.upperQuantile(fraction);
    const stretched = slowestStretched(BASE_LATENCY, fraction, 2);
    // Below the cut nothing changes; from the cut to twice the cut exactly `fraction` is slower (the moved requests).
    for (const x of [0.001, 0.01, 0.04, 0.1, cut * 0.999]) close(stretched.survival(x), BASE_LATENCY.survival(x), 1e-15);
    for (const x of [cut, cut * 1.5, cut * 2]) close(stretched.survival(x), fraction, 1e-15);
    // Above twice the cut, the moved requests are the base's above half the value.
    for (const x of [cut * 2.5, 1, 5]) close(stretched.survival(x), BASE_LATENCY.survival(x / 2), 1e-15);
    // The mass moved out of (0, cut] is `fraction`, not a bit more: P(Y <= cut) = P(X <= cut).
    close(1 - stretched.survival(cut), 1 - fraction, 1e-15);
    close(stretched.upperQuantile(fraction / 2), 2 * BASE_LATENCY.upperQuantile(fraction / 2));
  });
}

test("slowest 1% x2 on the buckets: the bins up to 0.1 s keep the base's probabilities, and 1% lands above 0.25 s", () => {
  const base = binProbabilities(BASE_LATENCY);
  const stretched = binProbabilities(slowestStretched(BASE_LATENCY, 0.01, 2));
  for (let j = 0; j <= 4; j++) close(stretched[j] ?? 0, base[j] ?? 0, 1e-15); // le <= 0.1 < cut = 0.128
  // 0.25 s lies in (cut, 2·cut] = (0.128, 0.256]: exactly 1% of the canary's requests are slower.
  close(stretched.slice(6).reduce((a, b) => a + b, 0), 0.01, 1e-14);
  assert.ok(base.slice(6).reduce((a, b) => a + b, 0) < 2e-4); // the base has ~0.012% there
});
