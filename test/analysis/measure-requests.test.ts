/**
 * The request judge's measurement: the queries it sends (each side, `{{window}}` = the time since the previous
 * look), how it reads Prometheus' answers, and the phase of each look.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import type { Measurement } from "../../src/api/analysis-run.ts";
import { measureRequests } from "../../src/analysis/measure-requests.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryResult, ResolvedArgs } from "../../src/providers/types.ts";

const NO_ARGS: ResolvedArgs = { values: new Map(), secrets: new Map() };

/** Answers each query with what `answer` says for its side (read from the rendered pod-template hash). */
class CountingProvider implements MetricProvider {
  readonly type = "counting";
  readonly queries: string[] = [];
  answer: (side: "canary" | "stable", query: string) => QueryResult = () => ({ resultType: "vector", series: [] });
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>) {
    return renderPromQL(template, args, extra);
  }
  async instant(_metric: unknown, query: string): Promise<ProviderOutcome<QueryResult>> {
    this.queries.push(query);
    return { ok: true, value: this.answer(query.includes('"c1"') ? "canary" : "stable", query), warnings: [] };
  }
  async range(): Promise<ProviderOutcome<QueryResult>> {
    throw new Error("the request judge makes no range queries");
  }
}

const latencyMetric = (over: Record<string, unknown> = {}): Metric =>
  metricSchema.parse({
    name: "latency",
    interval: "30s",
    count: 3,
    provider: { prometheus: {} },
    compare: { requests: { latency: 'sum by (le) (increase(http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{podTemplateHash}}"}[{{window}}]))', minRequests: 100, ...over } },
  });

const vector = (buckets: [string, number][]): QueryResult => ({ resultType: "vector", series: buckets.map(([le, v]) => ({ labels: { le }, points: [[0, v]] })) });

async function look(provider: CountingProvider, metric: Metric, at: Date, previous: Measurement | undefined, final: boolean): Promise<Measurement> {
  return measureRequests({
    provider,
    metric,
    args: NO_ARGS,
    context: { namespace: "default" },
    at,
    now: () => at,
    canaryHash: "c1",
    stableHash: "s1",
    previous: previous?.metadata,
    final,
    judgedMetrics: 1,
  });
}

test("each look asks both sides for the counts since the previous look, and is Running until the last, which passes with enough requests", async () => {
  const provider = new CountingProvider();
  provider.answer = (side) => (side === "canary" ? vector([["0.1", 90], ["0.25", 99], ["+Inf", 100]]) : vector([["0.1", 895], ["0.25", 990], ["+Inf", 1000]]));
  const metric = latencyMetric();
  const t0 = new Date("2026-12-01T10:00:00Z");
  const first = await look(provider, metric, t0, undefined, false);
  assert.equal(first.phase, "Running");
  assert.deepEqual(provider.queries.splice(0), [
    'sum by (le) (increase(http_request_duration_seconds_bucket{rollouts_pod_template_hash="c1"}[30s]))',
    'sum by (le) (increase(http_request_duration_seconds_bucket{rollouts_pod_template_hash="s1"}[30s]))',
  ]);
  const second = await look(provider, metric, new Date(t0.getTime() + 41_000), first, false);
  assert.match(provider.queries[0] ?? "", /\[41s\]\)\)$/, "the window is the time since the previous look");
  assert.equal(second.metadata?.canaryRequests, "200");
  const last = await look(provider, metric, new Date(t0.getTime() + 71_000), second, true);
  assert.equal(last.phase, "Successful");
  assert.match(last.message ?? "", /^no worse than stable: canary \d+ of 300 requests slower than/);
  assert.equal(last.metadata?.classification, "Pass");
});

test("a canary with ten times the slow requests fails at the look the evidence is enough; too few requests at the end is inconclusive", async () => {
  const provider = new CountingProvider();
  provider.answer = (side) => (side === "canary" ? vector([["0.1", 500], ["0.25", 700], ["+Inf", 1000]]) : vector([["0.1", 9700], ["0.25", 9970], ["+Inf", 10000]]));
  const metric = latencyMetric();
  const t0 = new Date("2026-12-01T10:00:00Z");
  let previous: Measurement | undefined;
  let failed: Measurement | undefined;
  for (let i = 0; i < 3 && !failed; i++) {
    previous = await look(provider, metric, new Date(t0.getTime() + i * 30_000), previous, i === 2);
    if (previous.phase === "Failed") failed = previous;
  }
  assert.ok(failed, "failed before the end");
  assert.match(failed.message ?? "", /^canary worse: canary \d+ of \d+ requests slower than 0\.(1|25) /);
  assert.equal(failed.metadata?.classification, "High");

  provider.answer = (side) => (side === "canary" ? vector([["0.1", 5], ["+Inf", 5]]) : vector([["0.1", 990], ["+Inf", 1000]]));
  const few = await look(provider, latencyMetric({ minRequests: 500 }), t0, undefined, true);
  assert.equal(few.phase, "Inconclusive");
  assert.match(few.message ?? "", /^inconclusive: not enough requests yet \(500 per side needed\)/);
});

test("errors: two counts per side; a query that is not aggregated, or buckets without le, is an Error that says how to fix it", async () => {
  const provider = new CountingProvider();
  const one = (v: number): QueryResult => ({ resultType: "vector", series: [{ labels: {}, points: [[0, v]] }] });
  provider.answer = (side, query) => (query.includes("5..") ? one(side === "canary" ? 30 : 10) : one(side === "canary" ? 1000 : 9000));
  const errorsMetric = metricSchema.parse({
    name: "errors",
    interval: "30s",
    count: 2,
    provider: { prometheus: {} },
    compare: { requests: { errors: 'sum(increase(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."}[{{window}}]))', requests: 'sum(increase(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}"}[{{window}}]))' } },
  });
  const at = new Date("2026-12-01T10:00:00Z");
  const failed = await look(provider, errorsMetric, at, undefined, false);
  assert.equal(failed.phase, "Failed", failed.message);
  assert.match(failed.message ?? "", /^canary worse: canary 30 of 1000 requests failed \(3%\) vs stable 10 of 9000 \(0\.11%\)/);

  provider.answer = () => ({ resultType: "vector", series: [{ labels: { pod: "a" }, points: [[0, 1]] }, { labels: { pod: "b" }, points: [[0, 1]] }] });
  assert.match((await look(provider, errorsMetric, at, undefined, false)).message ?? "", /returned 2 series; aggregate it to one with sum/);
  provider.answer = () => ({ resultType: "vector", series: [{ labels: {}, points: [[0, 5]] }] });
  const noLe = await look(provider, latencyMetric(), at, undefined, false);
  assert.equal(noLe.phase, "Error");
  assert.match(noLe.message ?? "", /without an le label; query the _bucket series with sum by \(le\)/);
});

test("the schema: exactly one of query and requests, latency or errors, errors with requests, a percentage allowance, direction increase", () => {
  const bad = (compare: unknown) => metricSchema.safeParse({ name: "m", provider: { prometheus: {} }, compare }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  assert.deepEqual(bad({ query: "q", requests: { latency: "l" } }), ["compare.requests: set exactly one of compare.requests (the request judge, on counts) and compare.query (the per-step judge)"]);
  assert.deepEqual(bad({ requests: { errors: "e" } }), ["compare.requests.requests: is required with errors: the requests the errors are counted among"]);
  assert.deepEqual(bad({ requests: { latency: "l" }, maxIncrease: 2 }), ['compare.maxIncrease: must be a percentage with requests ("10%": up to 10% more failed or slow requests than stable is tolerated)']);
  assert.deepEqual(bad({ requests: { latency: "l" }, direction: "either" }), ["compare.direction: must be increase with requests: the request judge tests whether the canary is worse (more errors, more slow requests)"]);
  assert.equal(bad({ requests: { latency: "l", levels: [0.99] }, maxIncrease: "10%" }), undefined);
});
