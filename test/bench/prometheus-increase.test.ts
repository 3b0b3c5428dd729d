/**
 * bench/judge's increase() against Prometheus' own worked cases: promql/promqltest/testdata/functions.test in
 * prometheus/prometheus ("Tests for increase()", the counter-reset case and the zero-cutoff cases of rate()).
 * A `load 5m` series "a+bxN" has samples a, a+b, … at 0, 5m, 10m, ….
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { prometheusIncrease, rangeIndices, type CounterSample } from "../../bench/judge/prometheus-increase.ts";

/** A promqltest `load <interval>` line of consecutive "start+step x count" segments. */
function load(intervalSeconds: number, ...segments: [start: number, step: number, count: number][]): CounterSample[] {
  const samples: CounterSample[] = [];
  for (const [start, step, count] of segments) {
    for (let i = 0; i <= count; i++) samples.push({ t: samples.length * intervalSeconds, v: start + step * i });
  }
  return samples;
}

const minutes = (m: number) => 60 * m;
const increaseAt = (samples: CounterSample[], at: number, range: number) => prometheusIncrease(samples, at - range, at);
const close = (actual: number | undefined, expected: number) => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);
};

test("increase over [50m] at 50m: no extrapolation needed, and the range is left-open (Prometheus 3)", () => {
  close(increaseAt(load(300, [0, 10, 10]), minutes(50), minutes(50)), 100); // /foo
  // /bar 0+18x5 0+18x5: a reset at 30m. With the sample at exactly 50m - 50m inside (Prometheus 2) this is 162.
  close(increaseAt(load(300, [0, 18, 5], [0, 18, 5]), minutes(50), minutes(50)), 160);
  close(increaseAt(load(300, [10, 10, 10]), minutes(50), minutes(50)), 100); // /dings
  close(increaseAt(load(300, [1, 10, 10]), minutes(50), minutes(50)), 100); // /bumms
});

test("increase over [100m] at 50m: extrapolation by half a spacing, stopped at the counter's zero point", () => {
  close(increaseAt(load(300, [0, 10, 10]), minutes(50), minutes(100)), 100); // first value 0: zero point at the first sample
  close(increaseAt(load(300, [0, 18, 5], [0, 18, 5]), minutes(50), minutes(100)), 162);
  close(increaseAt(load(300, [10, 10, 10]), minutes(50), minutes(100)), 105); // zero at -5m, half a spacing is -2m30s
  close(increaseAt(load(300, [1, 10, 10]), minutes(50), minutes(100)), 101); // zero at -30s comes first
});

test("a counter reset counts the value before the drop (0 1 2 3 2 3 4 → 7 over [30m])", () => {
  const samples = [0, 1, 2, 3, 2, 3, 4].map((v, i) => ({ t: 300 * i, v }));
  close(increaseAt(samples, minutes(30), minutes(30)), 7);
});

test("rate's zero cutoff (load 4m, x+240x10): the start is extrapolated to the zero point, at most half a spacing", () => {
  const rate = (start: number, at: number) => (increaseAt(load(240, [start, 240, 10]), minutes(at), minutes(20)) ?? Number.NaN) / minutes(20);
  const starts = [0, 60, 120, 180, 240, 300];
  const expectedAt10m = [0.5, 0.55, 0.6, 0.6, 0.6, 0.6];
  starts.forEach((start, i) => close(rate(start, 10), expectedAt10m[i] ?? Number.NaN));
  for (const start of starts) close(rate(start, 50), 0.6);
});

test("fewer than two samples in the range: no result, as Prometheus returns no series", () => {
  const samples = load(15, [0, 10, 10]);
  assert.equal(prometheusIncrease(samples, 20, 30), undefined); // only the sample at 30
  assert.equal(prometheusIncrease(samples, 31, 44), undefined); // none
  close(prometheusIncrease(samples, 15, 45), 20); // 30 and 45 (15 is outside): 10 over 15 s, extrapolated to 30 s
});

test("rangeIndices selects start < t <= end", () => {
  const times = [0, 10, 20, 30];
  assert.deepEqual(rangeIndices(times, 10, 30), { from: 2, to: 4 });
  assert.deepEqual(rangeIndices(times, -1, 0), { from: 0, to: 1 });
  assert.deepEqual(rangeIndices(times, 30, 40), { from: 4, to: 4 });
});

test("a series ending inside the range is extrapolated half a spacing past its last sample (hand-computed)", () => {
  // Samples 0, 10, 20 at 0 s, 10 s, 20 s; range (-5, 40]: start gap 5 < 11 but the zero point is at the first
  // sample (value 0), so no start extension; end gap 20 >= 1.1 × 10, so 5 s: 20 × (20 + 0 + 5) / 20 = 25.
  const samples = [0, 10, 20].map((v, i) => ({ t: 10 * i, v }));
  close(prometheusIncrease(samples, -5, 40), 25);
  // The same counter from 100: no zero point nearby, the start gap of 5 s is extended fully: 20 × 30 / 20 = 30.
  close(prometheusIncrease(samples.map((s) => ({ ...s, v: s.v + 100 })), -5, 40), 30);
});
