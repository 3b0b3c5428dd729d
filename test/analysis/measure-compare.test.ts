/** Compare measurements: same time span on both sides, the phase of each look, judged at the run's share of the false-abort budget. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { commonStart, measureCompare } from "../../src/analysis/measure-compare.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult, ResolvedArgs, SamplePoint } from "../../src/providers/types.ts";

describe("commonStart", () => {
  it("drops the points of the side that started earlier", () => {
    const stable = [[1, 0.1], [2, 0.1], [3, 0.1], [4, 0.1]] as const;
    const canary = [[3, 0.2], [4, 0.2]] as const;
    assert.deepEqual(commonStart(canary, stable), { canary, stable: [[3, 0.1], [4, 0.1]] });
    assert.deepEqual(commonStart(stable, canary), { canary: [[3, 0.1], [4, 0.1]], stable: canary });
  });
  it("leaves an empty side empty (the judge then reports which side had no data)", () => {
    const stable = [[1, 0.1]] as const;
    assert.deepEqual(commonStart([], stable), { canary: [], stable });
  });
});

describe("measureCompare's false-abort budget", () => {
  // 60 points per side; the canary's are 0.2 higher: High at 98%, not at 99.8%.
  const series = (canary: boolean): [number, number][] => Array.from({ length: 60 }, (_, i) => [1000 + i * 10, 1 + ((i * 37) % 17) / 17 + (canary ? 0.2 : 0)]);
  const provider: MetricProvider = {
    type: "fixed",
    render: (template, args, extra) => renderPromQL(template, args, extra),
    instant: async () => {
      throw new Error("the per-step judge makes range queries");
    },
    range: async (_metric, query): Promise<ProviderOutcome<QueryResult>> => ({
      ok: true,
      value: { resultType: "matrix", series: [{ labels: {}, points: series(query.includes('"c1"')) }] },
      warnings: [],
    }),
  };
  const metric = metricSchema.parse({ name: "p99", interval: "60s", provider: { prometheus: {} }, compare: { query: 'x{h="{{podTemplateHash}}"}', sequential: false, window: "10m", step: "10s" } });
  const at = new Date(1_600_000);
  const measure = (share: number) =>
    measureCompare({ provider, metric, args: { values: new Map(), secrets: new Map() }, context: { namespace: "default" }, at, now: () => at, canaryHash: "c1", stableHash: "s1", final: true, budget: { share, requestMetrics: 0 } });

  it("judges at confidence 1 - share × (1 - confidence), and says so in the message and the metadata", async () => {
    const whole = await measure(1);
    assert.equal(whole.phase, "Failed", whole.message);
    assert.match(whole.message ?? "", /\(98% CI /);
    assert.equal(whole.metadata?.alpha, "0.02");
    const tenth = await measure(0.1);
    assert.equal(tenth.phase, "Successful", tenth.message);
    assert.match(tenth.message ?? "", /\(99\.8% CI /);
    assert.equal(tenth.metadata?.alpha, "0.002");
  });
});

const NO_ARGS: ResolvedArgs = { values: new Map(), secrets: new Map() };
type Side = "canary" | "stable";

/**
 * Answers each range query on the query's grid, the side read from the rendered hash: the compare query with
 * `value(side, t)`, and histogram_quantile's inner query (the buckets, for the capping check) with `buckets`.
 */
class SeriesProvider implements MetricProvider {
  readonly type = "series";
  value: (side: Side, t: number) => number = () => 1;
  /** Cumulative counts by `le` at step t; undefined: the bucket query fails. */
  buckets: ((side: Side, t: number) => Record<string, number>) | undefined = () => ({ "0.5": 100, "+Inf": 100 });
  readonly queries: string[] = [];
  /** Seconds between the start and the end of the last range query. */
  span = 0;
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>) {
    return renderPromQL(template, args, extra);
  }
  async instant(): Promise<ProviderOutcome<QueryResult>> {
    return { ok: true, value: { resultType: "vector", series: [] }, warnings: [] };
  }
  async range(_metric: unknown, query: string, from: Date, to: Date, step: number): Promise<ProviderOutcome<QueryResult>> {
    this.queries.push(query);
    this.span = (to.getTime() - from.getTime()) / 1000;
    const side: Side = query.includes('"c1"') ? "canary" : "stable";
    const grid: number[] = [];
    for (let t = from.getTime() / 1000; t <= to.getTime() / 1000; t += step) grid.push(t);
    if (query.startsWith("q{") || query.startsWith("histogram_quantile")) {
      return { ok: true, value: { resultType: "matrix", series: [{ labels: {}, points: grid.map((t): SamplePoint => [t, this.value(side, t)]) }] }, warnings: [] };
    }
    const buckets = this.buckets;
    if (buckets === undefined) return { ok: false, kind: "server", message: "HTTP 503", attempts: 3 };
    const les = Object.keys(buckets(side, grid[0] ?? 0));
    return { ok: true, value: { resultType: "matrix", series: les.map((le) => ({ labels: { le }, points: grid.map((t): SamplePoint => [t, buckets(side, t)[le] ?? 0]) })) }, warnings: [] };
  }
}

const AT = new Date("2026-12-01T10:00:00Z");

const compareMetric = (compare: Record<string, unknown> = {}, more: Record<string, unknown> = {}): Metric =>
  metricSchema.parse({ name: "p99", interval: "1m", provider: { prometheus: {} }, compare: { query: 'q{h="{{podTemplateHash}}"}', window: "10m", step: "10s", ...compare }, ...more });

function look(provider: MetricProvider, metric: Metric, final: boolean, at = AT, stableHash = "s1") {
  return measureCompare({ provider, metric, args: NO_ARGS, context: { namespace: "default" }, at, now: () => at, canaryHash: "c1", stableHash, final, budget: { share: 1, requestMetrics: 0 } });
}

/** Two unrelated wiggles around the same level: no difference between the sides. */
const alike = (side: Side, t: number) => 0.1 + ((side === "canary" ? t * 7 : t * 11 + 3) % 13) / 1000;

describe("the phase of a look", () => {
  it("before the last look, no conclusive evidence is Running, not a provisional Successful; the last look passes", async () => {
    const provider = new SeriesProvider();
    provider.value = alike;
    const interim = await look(provider, compareMetric(), false);
    assert.equal(interim.metadata?.decidedBy, "none", interim.message);
    assert.equal(interim.phase, "Running", interim.message);
    const last = await look(provider, compareMetric(), true);
    assert.equal(last.metadata?.decidedBy, "fixed-horizon", last.message);
    assert.equal(last.phase, "Successful", last.message);
  });

  it("without the sequential test too, only the last look can pass", async () => {
    const provider = new SeriesProvider();
    provider.value = alike;
    assert.equal((await look(provider, compareMetric({ sequential: false }), false)).phase, "Running");
    assert.equal((await look(provider, compareMetric({ sequential: false }), true)).phase, "Successful");
  });

  it("not enough data is Running before the last look (not yet a verdict) and Inconclusive at it", async () => {
    const provider = new SeriesProvider();
    provider.value = (side, t) => (side === "canary" && t % 20 !== 0 ? Number.NaN : alike(side, t));
    const interim = await look(provider, compareMetric(), false);
    assert.equal(interim.metadata?.classification, "NoData", interim.message);
    assert.equal(interim.phase, "Running", interim.message);
    const last = await look(provider, compareMetric(), true);
    assert.equal(last.phase, "Inconclusive", last.message);
  });

  it("a canary clearly worse fails at any look", async () => {
    const provider = new SeriesProvider();
    provider.value = (side, t) => alike(side, t) * (side === "canary" ? 3 : 1);
    const interim = await look(provider, compareMetric(), false);
    assert.equal(interim.phase, "Failed", interim.message);
    assert.equal(interim.metadata?.decidedBy, "sequential");
  });
});

describe("infinite points", () => {
  it("a canary with 40% of its steps at +Inf is not Successful at the last look: +Inf is the worst value, not missing", async () => {
    const provider = new SeriesProvider();
    provider.value = (side, t) => (side === "canary" && t % 50 < 20 ? Number.POSITIVE_INFINITY : alike(side, t));
    for (const maxIncrease of [undefined, "50%"]) {
      const last = await look(provider, compareMetric(maxIncrease ? { maxIncrease } : {}), true);
      assert.notEqual(last.phase, "Successful", last.message);
      assert.equal(last.metadata?.canarySamples, "61", "each +Inf point is a sample");
      assert.equal(last.metadata?.canaryInfinite, "25");
    }
  });
});

describe("capping: a side's histogram_quantile at the highest finite bucket", () => {
  const p99 = () => compareMetric({ query: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket{h="{{podTemplateHash}}"}[10s])))' });
  /** In the steps where `cappedAt` holds, 2% of the requests lie above le=0.5 and the p99 reads 0.5. */
  const capping = (provider: SeriesProvider, cappedAt: (side: Side, t: number) => boolean, value: (side: Side, t: number) => number = alike) => {
    provider.value = (side, t) => (cappedAt(side, t) ? 0.5 : value(side, t));
    provider.buckets = (side, t) => ({ "0.1": 50, "0.5": cappedAt(side, t) ? 98 : 100, "+Inf": 100 });
  };

  it("a capped canary is Inconclusive at any look, naming the side, the bound and the fix", async () => {
    const provider = new SeriesProvider();
    capping(provider, (side, t) => side === "canary" && t % 60 < 20);
    for (const final of [false, true]) {
      const m = await look(provider, p99(), final);
      assert.equal(m.phase, "Inconclusive", m.message);
      assert.equal(m.metadata?.decidedBy, "capped");
      assert.equal(m.metadata?.canaryCapped, "21");
      assert.equal(m.metadata?.highestFiniteBucket, "0.5");
      assert.match(m.message ?? "", /; capped: the canary at the highest finite bucket \(le=0\.5\) in 21 of 61 steps, where histogram_quantile answers that bound whatever the true value, so the comparison cannot see beyond it; add higher buckets or compare a lower quantile → NoData$/);
    }
    assert.ok(provider.queries.includes('sum by (le) (rate(x_bucket{h="c1"}[10s]))'), provider.queries.join("\n"));
  });

  it("a capped stable makes even a worse-looking canary Inconclusive: the capping may be why it looks worse", async () => {
    const provider = new SeriesProvider();
    capping(provider, (side, t) => side === "stable" && t % 60 < 10, (side, t) => alike(side, t) * (side === "canary" ? 3 : 1));
    const m = await look(provider, p99(), true);
    assert.equal(m.phase, "Inconclusive", m.message);
    assert.match(m.message ?? "", /capped: stable at the highest finite bucket \(le=0\.5\) in 11 of 61 steps/);
  });

  it("a canary capped and clearly worse still fails: capping only hid how much worse", async () => {
    const provider = new SeriesProvider();
    capping(provider, (side, t) => side === "canary" && t % 60 < 20, (side, t) => alike(side, t) * (side === "canary" ? 3 : 1));
    const m = await look(provider, p99(), false);
    assert.equal(m.phase, "Failed", m.message);
    assert.match(m.message ?? "", /\(capped: the canary at the highest finite bucket \(le=0\.5\) in 21 of 61 steps; the true values are higher\)$/);
  });

  it("no capped step: judged as usual; a bucket query that fails is a warning, as for threshold metrics", async () => {
    const provider = new SeriesProvider();
    provider.value = alike;
    const clean = await look(provider, p99(), true);
    assert.equal(clean.phase, "Successful", clean.message);
    assert.equal(clean.metadata?.canaryCapped, undefined);
    provider.buckets = undefined;
    const unchecked = await look(provider, p99(), true);
    assert.equal(unchecked.phase, "Successful", unchecked.message);
    assert.ok(unchecked.warnings?.some((w) => /^could not check the canary's quantile for capping: server \(after 3 attempts\): HTTP 503$/.test(w)), JSON.stringify(unchecked.warnings));
  });
});

describe("the default window", () => {
  it("is the interval lengthened to hold 2·minSamples points, so the defaults can decide", async () => {
    const provider = new SeriesProvider();
    provider.value = alike;
    // interval 1m, step 10s, minSamples 50: the interval alone held 7 points and every look lacked data.
    const metric = metricSchema.parse({ name: "p99", interval: "1m", provider: { prometheus: {} }, compare: { query: 'q{h="{{podTemplateHash}}"}' } });
    const last = await look(provider, metric, true);
    assert.equal(provider.span, 1000);
    assert.equal(last.phase, "Successful", last.message);
    const long = metricSchema.parse({ ...metric, interval: "30m" });
    await look(provider, long, true);
    assert.equal(provider.span, 1800, "a longer interval is kept");
  });
});

describe("the hashes", () => {
  it("one hash for both sides (a promoted canary, read from the Rollout's status) is an Error, never a pass of a version against itself", async () => {
    const provider = new SeriesProvider();
    provider.value = alike;
    const m = await look(provider, compareMetric(), true, AT, "c1");
    assert.equal(m.phase, "Error");
    assert.match(m.message ?? "", /^canary and stable have the same pod-template hash "c1": nothing to compare; pass the args "canary-pod-hash" and "stable-pod-hash"/);
    assert.deepEqual(provider.queries, []);
  });
});
