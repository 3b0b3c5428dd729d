/** replayAnalysis on a scripted provider: a window that ends before the run does settles it as terminate would. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunSpecSchema, type Measurement } from "../../src/api/analysis-run.ts";
import { replayAnalysis } from "../../src/cli/analyze/replay.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult, ResolvedArgs, SamplePoint } from "../../src/providers/types.ts";

/** The same gentle wiggle on both sides: no difference to find. */
class CalmProvider implements MetricProvider {
  readonly type = "calm";
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>) {
    return renderPromQL(template, args, extra);
  }
  async instant(): Promise<ProviderOutcome<QueryResult>> {
    return { ok: true, value: { resultType: "vector", series: [] }, warnings: [] };
  }
  async range(_metric: unknown, _query: string, from: Date, to: Date, step: number): Promise<ProviderOutcome<QueryResult>> {
    const points: SamplePoint[] = [];
    for (let t = from.getTime() / 1000; t <= to.getTime() / 1000; t += step) points.push([t, 0.1 + (t % 5) / 100]);
    return { ok: true, value: { resultType: "matrix", series: [{ labels: {}, points }] }, warnings: [] };
  }
}

test("a compare metric without count takes its final look, the fixed-horizon test, when the window ends", async () => {
  const spec = analysisRunSpecSchema.parse({
    metrics: [{ name: "p99", interval: "1m", compare: { query: 'q{h="{{podTemplateHash}}"}', window: "10m", step: "10s" }, provider: { prometheus: {} } }],
  });
  const from = new Date("2026-12-01T10:00:00Z");
  const seen: Measurement[] = [];
  const status = await replayAnalysis({
    spec,
    provider: new CalmProvider(),
    args: { ok: true, args: { values: new Map([["canary-pod-hash", "a"], ["stable-pod-hash", "b"]]), secrets: new Map() } },
    namespace: "default",
    from,
    to: new Date(from.getTime() + 150_000),
    onMeasurement: (_metric, m) => seen.push(m),
  });
  assert.deepEqual(seen.map((m) => m.phase), ["Running", "Running", "Running", "Successful"]);
  assert.equal(seen.at(-1)?.metadata?.decidedBy, "fixed-horizon");
  assert.equal(status.phase, "Successful", status.message);
});
