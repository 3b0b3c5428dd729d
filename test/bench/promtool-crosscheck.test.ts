/**
 * The bench's increase() and histogram_quantile() against the real PromQL engine: simulated scrapes are written as
 * a `promtool test rules` input, every query is evaluated there, and the answers are compared with ours. Skipped
 * when promtool is not installed (Debian's `prometheus` package has it; .ci/setup installs it).
 *
 * The installed promtool may be Prometheus 2.x, which differs from the 3.x rules the bench follows in two
 * places: its range selectors also hold a sample exactly at the range start (3.x: left-open), and it clamps the
 * start extrapolation to the counter's zero point before the half-spacing rule (3.x after, which the upstream
 * zero-cutoff test pins: test/bench/prometheus-increase.test.ts). Evaluations where either could matter are left
 * out: a scrape exactly at the range start, and a range starting before the first scrape of a counter that starts
 * from 0. Ranges starting before the first scrape of a long-running (stable) counter stay: they check the
 * half-spacing rule for a series that begins inside the range.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { quantileOfSortedBuckets } from "../../bench/judge/histogram-quantile.ts";
import { BUCKET_BOUNDS } from "../../bench/judge/latency-model.ts";
import { BASE_BINS } from "../../bench/judge/scenarios.ts";
import { simulateScrapes, type ScrapedCounters } from "../../bench/judge/scrape-simulation.ts";
import { windowIncrease } from "../../bench/judge/window-increase.ts";
import { durationToMs } from "../../src/api/duration.ts";
import { seededRandom } from "../../src/util/seeded-random.ts";

const PROMTOOL = "/usr/bin/promtool";
const installed = (() => {
  try {
    accessSync(PROMTOOL, constants.X_OK);
    return true;
  } catch {
    return false;
  }
})();

const HORIZON = 240;

/** promtool's expanding notation at a 1 s interval: the value at each second, `_` where there was no scrape. */
function valuesAtEachSecond(times: Float64Array, values: Float64Array): string {
  const bySecond = new Map<number, number>();
  times.forEach((t, k) => bySecond.set(t, values[k] ?? 0));
  return Array.from({ length: HORIZON + 1 }, (_, s) => (bySecond.has(s) ? String(bySecond.get(s)) : "_")).join(" ");
}

const leLabel = (le: number) => (le === Number.POSITIVE_INFINITY ? "+Inf" : String(le));

interface Case {
  readonly expr: string;
  readonly at: number;
  readonly expected: number | undefined;
}

test("increase() and histogram_quantile() agree with promtool on simulated scrapes", { skip: installed ? false : "promtool is not installed" }, () => {
  const series: string[] = [];
  const cases: Case[] = [];
  for (let n = 0; n < 12; n++) {
    const random = seededRandom(100 + n);
    const interval = 5 + Math.floor(11 * random()); // whole seconds: promtool's input has a 1 s grid
    const phase = Math.floor(interval * random());
    const history = n % 3 === 0 ? 3600 : 0;
    const side: ScrapedCounters = simulateScrapes(
      { rate: n % 2 === 0 ? 10 : 50, bins: BASE_BINS, errorRate: 0.02, history },
      interval,
      phase,
      HORIZON,
      random,
    );
    const name = `s${n}`;
    BUCKET_BOUNDS.forEach((le, j) =>
      series.push(`      - series: '${name}_bucket{le="${leLabel(le)}"}'\n        values: '${valuesAtEachSecond(side.times, side.cumulative[j] ?? new Float64Array(0))}'`),
    );
    series.push(`      - series: '${name}_errors_total'\n        values: '${valuesAtEachSecond(side.times, side.errors)}'`);
    for (const range of [10, 30, 60]) {
      for (const at of [20, 45, range + 1, 97, 150, HORIZON]) { // 20 and 45: the series starts inside some ranges
        if (side.times.includes(at - range)) continue; // 2.x and 3.x disagree there
        if (history === 0 && at - range < (side.times[0] ?? 0)) continue; // and possibly there
        const increase = windowIncrease(side, at, range);
        const rates = increase?.buckets.map((v) => v / range);
        cases.push({ expr: `increase(${name}_errors_total[${range}s])`, at, expected: increase?.errors });
        // Sparse low buckets start at 0 on a new pod: they exercise the zero-point rule.
        for (const j of [1, 2, BUCKET_BOUNDS.length - 1]) {
          const le = leLabel(BUCKET_BOUNDS[j] ?? Number.NaN);
          cases.push({ expr: `increase(${name}_bucket{le="${le}"}[${range}s])`, at, expected: increase?.buckets[j] });
        }
        for (const q of [0.5, 0.99, 0.999]) {
          cases.push({
            expr: `histogram_quantile(${q}, sum by (le) (rate(${name}_bucket[${range}s])))`,
            at,
            expected: rates === undefined ? undefined : quantileOfSortedBuckets(q, BUCKET_BOUNDS, rates),
          });
        }
      }
    }
  }
  // Every defined case expects an impossible -1, so promtool prints what it got; an undefined one expects no
  // series and stays silent when promtool agrees.
  const tests = cases
    .map(
      (c) =>
        `      - expr: '${c.expr}'\n        eval_time: ${c.at}s\n        exp_samples:${c.expected === undefined ? " []" : "\n          - labels: '{}'\n            value: -1"}`,
    )
    .join("\n");
  const dir = mkdtempSync(join(tmpdir(), "bench-promtool-"));
  try {
    const file = join(dir, "crosscheck.yml");
    writeFileSync(file, `rule_files: []\nevaluation_interval: 1s\ntests:\n  - interval: 1s\n    input_series:\n${series.join("\n")}\n    promql_expr_test:\n${tests}\n`);
    const run = spawnSync(PROMTOOL, ["test", "rules", file], { encoding: "utf8" });
    const output = `${run.stdout}${run.stderr}`;
    const got = new Map<string, string>();
    // Go's %q for the expression and its duration format for the time ("2m30s").
    for (const m of output.matchAll(/expr: "((?:[^"\\]|\\.)*)", time: (\S+),\s*exp:.*?\n\s*got: (.*)/g)) {
      got.set(`${(m[1] ?? "").replace(/\\"/g, '"')}@${(durationToMs(m[2] ?? "") ?? 0) / 1000}`, (m[3] ?? "").trim());
    }
    let compared = 0;
    for (const c of cases) {
      const answer = got.get(`${c.expr}@${c.at}`);
      if (c.expected === undefined) {
        assert.equal(answer, undefined, `${c.expr} at ${c.at}s: promtool has ${answer}, we have no result`);
        continue;
      }
      assert.ok(answer !== undefined, `${c.expr} at ${c.at}s: no answer from promtool\n${output.slice(0, 2000)}`);
      const value = Number(/^\{.*\} (\S+)$/.exec(answer)?.[1] ?? Number.NaN);
      const agree = Number.isNaN(c.expected) ? Number.isNaN(value) : Math.abs(value - c.expected) <= 1e-9 * Math.max(1, Math.abs(c.expected));
      assert.ok(agree, `${c.expr} at ${c.at}s: promtool ${answer}, bench ${c.expected}`);
      compared++;
    }
    assert.ok(compared > 300, `only ${compared} answers compared`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
