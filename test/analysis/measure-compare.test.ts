/** Compare measurements: same time span on both sides; judged at the run's share of the false-abort budget. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commonStart, measureCompare } from "../../src/analysis/measure-compare.ts";
import { metricSchema } from "../../src/api/metric.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult } from "../../src/providers/types.ts";

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
