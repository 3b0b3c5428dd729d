/**
 * bench/judge: how often the canary judge flags a canary, and when, over synthetic latency series with known
 * shifts. Run: node bench/judge.ts [runsPerScenario]
 *
 * Each run is one analysis: 15 intervals of 6 steps (1 min at a 10 s step) per side. A step's value is a p99-like
 * latency: 180 ms × a load factor shared by canary and stable at that step (they run side by side) × independent
 * per-side noise, times the canary's shift. The heavy-tailed variant multiplies 3% of the points by 4 (GC pauses).
 * Shift 0% rows measure the false-positive rate, the others the detection rate.
 *
 * Methods:
 * - threshold: a plain check every interval, as simple rollout analyses do: fail when the canary's median over
 *   the interval exceeds 1.1 × the stable's.
 * - fixed (end): the judge with sequential: false, once, at the end (the Kayenta way).
 * - fixed (every): the same judge acted on at every interval (peeking: the false alarms add up).
 * - sequential: the judge with sequential: true at every interval (early abort), the fixed-horizon test at the end.
 * All judge methods use direction increase, confidence 0.98 and minSamples 18 (3 intervals).
 * Seeded: the same arguments print the same table.
 */
import type { Compare } from "../src/api/metric.ts";
import { judge, type Point, type SequentialState } from "../src/analysis/judge/judge.ts";
import { normalSampler, seededRandom } from "../test/analysis/judge/random.ts";

const INTERVALS = 15;
const STEPS_PER_INTERVAL = 6;
const STEP_SECONDS = 10;
const RUNS = Number(process.argv[2] ?? 500);
const SHIFTS = [0, 0.05, 0.1, 0.2, 0.5];
const DISTRIBUTIONS = ["log-normal", "heavy-tailed"] as const;
const METHODS = ["threshold", "fixed (end)", "fixed (every)", "sequential"] as const;
type Method = (typeof METHODS)[number];

const compare = (sequential: boolean): Compare => ({
  query: "bench",
  direction: "increase",
  confidence: 0.98,
  critical: false,
  minSamples: 18,
  step: "10s",
  sequential,
});

function simulateRun(random: () => number, shift: number, distribution: (typeof DISTRIBUTIONS)[number]): { canary: Point[]; stable: Point[] } {
  const z = normalSampler(random);
  const canary: Point[] = [];
  const stable: Point[] = [];
  const spike = () => (distribution === "heavy-tailed" && random() < 0.03 ? 4 : 1);
  for (let step = 0; step < INTERVALS * STEPS_PER_INTERVAL; step++) {
    const load = Math.exp(0.15 * z());
    const t = step * STEP_SECONDS;
    stable.push([t, 180 * load * Math.exp(0.15 * z()) * spike()]);
    canary.push([t, 180 * (1 + shift) * load * Math.exp(0.15 * z()) * spike()]);
  }
  return { canary, stable };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The 1-based interval at which the method flags the canary, or undefined. */
function detect(method: Method, canary: Point[], stable: Point[]): number | undefined {
  let state: SequentialState | undefined;
  for (let interval = 1; interval <= INTERVALS; interval++) {
    const end = interval * STEPS_PER_INTERVAL;
    if (method === "threshold") {
      const from = end - STEPS_PER_INTERVAL;
      const c = medianOf(canary.slice(from, end).map(([, v]) => v));
      const s = medianOf(stable.slice(from, end).map(([, v]) => v));
      if (c > 1.1 * s) return interval;
      continue;
    }
    const final = interval === INTERVALS;
    if (method === "fixed (end)" && !final) continue;
    const result = judge({
      name: "p99",
      canary: canary.slice(0, end),
      stable: stable.slice(0, end),
      compare: compare(method === "sequential"),
      sequentialState: state,
      final,
    });
    state = result.sequentialState;
    if (result.classification === "High") return interval;
  }
  return undefined;
}

const started = performance.now();
const rows: string[][] = [["distribution", "shift", "method", "flagged", "median interval", "mean interval"]];
let seed = 1;
for (const distribution of DISTRIBUTIONS) {
  for (const shift of SHIFTS) {
    const detections = new Map<Method, number[]>(METHODS.map((m) => [m, []]));
    for (let run = 0; run < RUNS; run++) {
      const { canary, stable } = simulateRun(seededRandom(seed++), shift, distribution);
      for (const method of METHODS) {
        const at = detect(method, canary, stable);
        if (at !== undefined) detections.get(method)?.push(at);
      }
    }
    for (const method of METHODS) {
      const at = detections.get(method) ?? [];
      const rate = `${((100 * at.length) / RUNS).toFixed(1)}%`;
      const label = shift === 0 ? `${rate} (false +)` : rate;
      const mean = at.length > 0 ? (at.reduce((a, b) => a + b, 0) / at.length).toFixed(1) : "-";
      rows.push([distribution, `+${(100 * shift).toFixed(0)}%`, method, label, at.length > 0 ? String(medianOf(at)) : "-", mean]);
    }
  }
}

const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length))) ?? [];
const line = (r: string[]) => r.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join("  ");
console.log(`judge bench: ${RUNS} runs per row, ${INTERVALS} intervals × ${STEPS_PER_INTERVAL} steps per side, confidence 0.98`);
console.log(line(rows[0] ?? []));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows.slice(1)) console.log(line(r));
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
