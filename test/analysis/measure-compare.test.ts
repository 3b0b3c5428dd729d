/** Compare measurements: same time span on both sides, and the phase of each look. */
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

const NO_ARGS: ResolvedArgs = { values: new Map(), secrets: new Map() };
type Side = "canary" | "stable";

/** Answers each range query with `value(side, t)` on the query's grid; the side is read from the rendered hash. */
class SeriesProvider implements MetricProvider {
  readonly type = "series";
  value: (side: Side, t: number) => number = () => 1;
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>) {
    return renderPromQL(template, args, extra);
  }
  async instant(): Promise<ProviderOutcome<QueryResult>> {
    return { ok: true, value: { resultType: "vector", series: [] }, warnings: [] };
  }
  async range(_metric: unknown, query: string, from: Date, to: Date, step: number): Promise<ProviderOutcome<QueryResult>> {
    const side: Side = query.includes('"c1"') ? "canary" : "stable";
    const points: SamplePoint[] = [];
    for (let t = from.getTime() / 1000; t <= to.getTime() / 1000; t += step) points.push([t, this.value(side, t)]);
    return { ok: true, value: { resultType: "matrix", series: [{ labels: {}, points }] }, warnings: [] };
  }
}

const AT = new Date("2026-12-01T10:00:00Z");

const compareMetric = (compare: Record<string, unknown> = {}, more: Record<string, unknown> = {}): Metric =>
  metricSchema.parse({ name: "p99", interval: "1m", provider: { prometheus: {} }, compare: { query: 'q{h="{{podTemplateHash}}"}', window: "10m", step: "10s", ...compare }, ...more });

function look(provider: MetricProvider, metric: Metric, final: boolean, at = AT, previous?: Readonly<Record<string, string>>) {
  return measureCompare({ provider, metric, args: NO_ARGS, context: { namespace: "default" }, at, now: () => at, canaryHash: "c1", stableHash: "s1", final, previous });
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
