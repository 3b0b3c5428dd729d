/**
 * The request judge's measurement: the queries it sends (the counters, per side), how it turns two looks'
 * counters into the requests between them, and the phase of each look.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import type { Measurement } from "../../src/api/analysis-run.ts";
import type { RunBudget } from "../../src/analysis/false-abort-budget.ts";
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

const latencyMetric = (over: Record<string, unknown> = {}, count = 3): Metric =>
  metricSchema.parse({
    name: "latency",
    interval: "30s",
    count,
    provider: { prometheus: {} },
    compare: { requests: { latency: 'sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{podTemplateHash}}"})', minRequests: 100, ...over } },
  });

const vector = (buckets: [string, number][]): QueryResult => ({ resultType: "vector", series: buckets.map(([le, v]) => ({ labels: { le }, points: [[0, v]] })) });
/** Counters that grow by `per` each look: fast, slow and beyond-0.25 requests per look, cumulative. */
const growing = (per: [number, number, number]) => {
  let looks = 0;
  return () => {
    looks++;
    const [fast, mid, slow] = per.map((x) => x * looks) as [number, number, number];
    return vector([["0.1", fast], ["0.25", fast + mid], ["+Inf", fast + mid + slow]]);
  };
};

async function look(provider: CountingProvider, metric: Metric, at: Date, previous: Measurement | undefined, final: boolean, budget: RunBudget = { share: 1, requestMetrics: 1 }): Promise<Measurement> {
  return measureRequests({ provider, metric, args: NO_ARGS, context: { namespace: "default" }, at, now: () => at, canaryHash: "c1", stableHash: "s1", previous: previous?.metadata, final, budget });
}

test("each look reads both sides' counters; the first is a starting point, later ones judge the differences; the last passes with enough requests", async () => {
  const provider = new CountingProvider();
  const canary = growing([90, 9, 1]);
  const stable = growing([895, 95, 10]);
  provider.answer = (side) => (side === "canary" ? canary() : stable());
  const metric = latencyMetric({}, 4);
  const t0 = Date.parse("2026-12-01T10:00:00Z");
  const first = await look(provider, metric, new Date(t0), undefined, false);
  assert.deepEqual(provider.queries.splice(0), [
    'sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="c1"})',
    'sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="s1"})',
  ]);
  assert.equal(first.phase, "Running");
  assert.equal(first.metadata?.canaryRequests, "0", "the first look only reads where the counters stand");
  assert.match(first.message ?? "", /\(the first look only reads where the counters stand\)$/);
  let previous = first;
  for (let i = 1; i < 4; i++) previous = await look(provider, metric, new Date(t0 + i * 30_000), previous, i === 3);
  assert.equal(previous.phase, "Successful");
  assert.equal(previous.metadata?.canaryRequests, "300", "three looks of 100 requests each, exactly");
  assert.match(previous.message ?? "", /^no worse than stable: /);
  assert.equal(previous.metadata?.classification, "Pass");
});

test("a canary with ten times the slow requests fails at the look the evidence is enough; a counter that went down starts again", async () => {
  const provider = new CountingProvider();
  const canary = growing([500, 200, 300]);
  const stable = growing([9700, 270, 30]);
  provider.answer = (side) => (side === "canary" ? canary() : stable());
  const metric = latencyMetric({}, 6);
  const t0 = Date.parse("2026-12-01T10:00:00Z");
  let previous: Measurement | undefined;
  let failed: Measurement | undefined;
  for (let i = 0; i < 6 && !failed; i++) {
    previous = await look(provider, metric, new Date(t0 + i * 30_000), previous, i === 5);
    if (previous.phase === "Failed") failed = previous;
  }
  assert.ok(failed, "failed before the end");
  assert.match(failed.message ?? "", /^canary worse: canary \d+ of \d+ requests slower than 0\.(1|25) /);
  assert.match(failed.message ?? "", /decided at look \d of 6/);

  // A restarted canary pod: its counters fall back; that look judges nothing and starts again.
  const restarted = new CountingProvider();
  let n = 0;
  restarted.answer = (side) => (side === "canary" ? vector([["0.1", n === 0 ? 900 : 5], ["+Inf", n === 0 ? 1000 : 6]]) : vector([["0.1", 9000 + n], ["+Inf", 10000 + n]]));
  const a = await look(restarted, latencyMetric(), new Date(t0), undefined, false);
  n = 1;
  const b = await look(restarted, latencyMetric(), new Date(t0 + 30_000), a, true);
  assert.equal(b.phase, "Inconclusive");
  assert.match(b.message ?? "", /\(the canary's counters went down \(a pod restarted or left\); starting again from here\)$/);
});

test("errors: two counters per side; a query that is not aggregated, or buckets without le, is an Error that says how to fix it", async () => {
  const provider = new CountingProvider();
  const one = (v: number): QueryResult => ({ resultType: "vector", series: [{ labels: {}, points: [[0, v]] }] });
  let looks = 0;
  provider.answer = (side, query) => (query.includes("5..") ? one(looks * (side === "canary" ? 30 : 10)) : one(looks * (side === "canary" ? 1000 : 9000)));
  const errorsMetric = metricSchema.parse({
    name: "errors",
    interval: "30s",
    count: 3,
    provider: { prometheus: {} },
    compare: { requests: { errors: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}"})' } },
  });
  const at = new Date("2026-12-01T10:00:00Z");
  const first = await look(provider, errorsMetric, at, undefined, false);
  looks = 1;
  const failed = await look(provider, errorsMetric, new Date(at.getTime() + 30_000), first, false);
  assert.equal(failed.phase, "Failed", failed.message);
  assert.match(failed.message ?? "", /^canary worse: canary 30 of 1000 requests failed \(3%\) vs stable 10 of 9000 \(0\.11%\)/);

  provider.answer = () => ({ resultType: "vector", series: [{ labels: { pod: "a" }, points: [[0, 1]] }, { labels: { pod: "b" }, points: [[0, 1]] }] });
  assert.match((await look(provider, errorsMetric, at, undefined, false)).message ?? "", /returned 2 series; aggregate it to one with sum/);
  provider.answer = () => ({ resultType: "vector", series: [{ labels: {}, points: [[0, 5]] }] });
  const noLe = await look(provider, latencyMetric(), at, undefined, false);
  assert.equal(noLe.phase, "Error");
  assert.match(noLe.message ?? "", /without an le label; query the _bucket series with sum by \(le\)/);
});

test("the level is the run's share of 1 - confidence split among its request metrics: evidence 106 aborts at 50 alone, not at 400 with a quarter share and two metrics", async () => {
  // Per look, 1000 canary and 9000 stable requests; 7 and 10 of them fail: evidence about 106 after one judged look.
  const twoLooks = async (budget: RunBudget): Promise<Measurement> => {
    const provider = new CountingProvider();
    let looks = 0;
    const one = (v: number): QueryResult => ({ resultType: "vector", series: [{ labels: {}, points: [[0, v]] }] });
    provider.answer = (side, query) => (query.includes("5..") ? one(looks * (side === "canary" ? 7 : 10)) : one(looks * (side === "canary" ? 1000 : 9000)));
    const metric = metricSchema.parse({
      name: "errors",
      interval: "30s",
      count: 3,
      provider: { prometheus: {} },
      compare: { confidence: 0.98, requests: { errors: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}"})' } },
    });
    const at = new Date("2026-12-01T10:00:00Z");
    const first = await look(provider, metric, at, undefined, false, budget);
    looks = 1;
    return look(provider, metric, new Date(at.getTime() + 30_000), first, false, budget);
  };
  const whole = await twoLooks({ share: 1, requestMetrics: 1 });
  assert.equal(whole.metadata?.eValue, "106");
  assert.equal(whole.metadata?.alpha, "0.02");
  assert.equal(whole.phase, "Failed", whole.message);
  assert.match(whole.message ?? "", /\(aborts at 50\)/);

  // A revision with four judged gates, and this run has two request metrics: 0.25 × 0.02 / 2.
  const quarter = await twoLooks({ share: 0.25, requestMetrics: 2 });
  assert.equal(quarter.metadata?.eValue, "106");
  assert.equal(quarter.metadata?.alpha, "0.0025");
  assert.equal(quarter.phase, "Running", quarter.message);
  assert.match(quarter.message ?? "", /\(aborts at 400\)$/);

  const half = await twoLooks({ share: 0.5, requestMetrics: 1 });
  assert.equal(half.metadata?.alpha, "0.01");
  assert.equal(half.phase, "Failed", "106 is past 1/0.01");
});

test("the schema: exactly one of query and requests, latency or errors, errors with requests, the counters not increase(), a percentage allowance, direction increase", () => {
  const bad = (compare: unknown) => metricSchema.safeParse({ name: "m", provider: { prometheus: {} }, compare }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  assert.deepEqual(bad({ query: "q", requests: { latency: "l" } }), ["compare.requests: set exactly one of compare.requests (the request judge, on counts) and compare.query (the per-step judge)"]);
  assert.deepEqual(bad({ requests: { errors: "e" } }), ["compare.requests.requests: is required with errors: the requests the errors are counted among"]);
  assert.deepEqual(bad({ requests: { latency: "sum by (le) (increase(x_bucket[1m]))" } }), [
    "compare.requests.latency: must return the counters themselves, e.g. sum by (le) (x_bucket{...}), not increase() or rate(): the judge takes exact differences between its looks",
  ]);
  assert.deepEqual(bad({ requests: { latency: "l" }, maxIncrease: 2 }), ['compare.maxIncrease: must be a percentage with requests ("10%": up to 10% more failed or slow requests than stable is tolerated)']);
  assert.deepEqual(bad({ requests: { latency: "l" }, direction: "either" }), ["compare.direction: must be increase with requests: the request judge tests whether the canary is worse (more errors, more slow requests)"]);
  assert.equal(bad({ requests: { latency: "l", levels: [0.99] }, maxIncrease: "10%" }), undefined);
});

test("errors with maxIncreaseBy: the message states the absolute allowance and stable's bound; the bound travels in the metadata", async () => {
  const provider = new CountingProvider();
  const one = (v: number): QueryResult => ({ resultType: "vector", series: [{ labels: {}, points: [[0, v]] }] });
  let looks = 0;
  // Per look: canary 30 of 1000 failed (3%), stable 18 of 9000 (0.2%).
  provider.answer = (side, query) => (query.includes("5..") ? one(looks * (side === "canary" ? 30 : 18)) : one(looks * (side === "canary" ? 1000 : 9000)));
  const metric = metricSchema.parse({
    name: "errors",
    interval: "30s",
    count: 5,
    provider: { prometheus: {} },
    compare: { maxIncreaseBy: 0.002, requests: { errors: 'sum(x_total{h="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(x_total{h="{{podTemplateHash}}"})' } },
  });
  const t0 = Date.parse("2026-12-01T10:00:00Z");
  let previous: Measurement | undefined;
  const measured: Measurement[] = [];
  for (let i = 0; i < 5 && previous?.phase !== "Failed"; i++) {
    looks = i;
    previous = await look(provider, metric, new Date(t0 + i * 30_000), previous, i === 4);
    measured.push(previous);
  }
  // Look 1 reads the counters; look 2 judges, but has no earlier look of stable's to bound its error ratio with.
  assert.match(measured[1]?.message ?? "", /\(aborts at 100, allowing \+0\.2 percentage points; no evidence until stable has failed requests in an earlier look\)$/);
  assert.equal(measured[1]?.metadata?.eValue, "1");
  const failed = measured.at(-1);
  assert.equal(failed?.phase, "Failed", failed?.message);
  assert.match(failed?.message ?? "", /^canary worse: canary \d+ of \d+ requests failed \(3%\) vs stable \d+ of \d+ \(0\.2%\); evidence e=[\d.]+ \(aborts at 100, allowing \+0\.2 percentage points over stable's error ratio of at least 0\.\d+%\)/);
  const state = JSON.parse(failed?.metadata?.requestState ?? "{}") as { stableErrorRatio?: { bounds: number; atLeast: number } };
  assert.equal(state.stableErrorRatio?.bounds, measured.length - 2, "one bound per look after stable's first served requests");
  assert.ok((state.stableErrorRatio?.atLeast ?? 0) > 0 && (state.stableErrorRatio?.atLeast ?? 1) < 0.002);
});

test("the schema: maxIncreaseBy is a fraction, only with requests.errors, and not together with maxIncrease", () => {
  const bad = (compare: unknown) => metricSchema.safeParse({ name: "m", provider: { prometheus: {} }, compare }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const errors = { errors: "e", requests: "r" };
  assert.equal(bad({ requests: errors, maxIncreaseBy: 0.002 }), undefined);
  assert.equal(bad({ requests: errors, maxIncreaseBy: 0 }), undefined);
  assert.deepEqual(bad({ requests: { latency: "l" }, maxIncreaseBy: 0.002 }), ['compare.maxIncreaseBy: only applies with requests.errors (it is an increase of the error ratio); for latency use maxIncrease as a percentage, e.g. "10%"']);
  assert.deepEqual(bad({ requests: errors, maxIncrease: "10%", maxIncreaseBy: 0.002 }), [
    'compare.maxIncreaseBy: cannot be used together with maxIncrease; keep one: maxIncrease: "10%" (relative to stable) or maxIncreaseBy: 0.002 (absolute, of the error ratio)',
  ]);
  assert.deepEqual(bad({ query: "q", maxIncreaseBy: 0.002 }), ["compare.maxIncreaseBy: only applies with requests.errors (the request judge on errors); with query use maxIncrease, a bare number being absolute"]);
  assert.deepEqual(bad({ requests: errors, maxIncreaseBy: 2 }), ["compare.maxIncreaseBy: must be below 1: it is an increase of the error ratio, a fraction (0.002 = 0.2 percentage points), not a percentage"]);
  assert.deepEqual(bad({ requests: errors, maxIncreaseBy: -0.01 }), ["compare.maxIncreaseBy: must be at least 0 (0.002 = 0.2 percentage points more failed requests than stable)"]);
  assert.deepEqual(bad({ requests: errors, maxIncreaseBy: "0.2%" }), ["compare.maxIncreaseBy: must be a number, the error ratio's tolerated increase (0.002 = 0.2 percentage points)"]);
});

test("one hash for both sides (a promoted canary, from the Rollout's status) is an Error, never a pass of a version against itself", async () => {
  const provider = new CountingProvider();
  const metric = metricSchema.parse({ name: "errors", interval: "30s", provider: { prometheus: {} }, compare: { requests: { errors: "sum(e)", requests: "sum(r)" } } });
  const at = new Date("2026-12-01T10:00:00Z");
  const m = await measureRequests({ provider, metric, args: NO_ARGS, context: { namespace: "default" }, at, now: () => at, canaryHash: "c1", stableHash: "c1", previous: undefined, final: true, budget: { share: 1, requestMetrics: 1 } });
  assert.equal(m.phase, "Error");
  assert.match(m.message ?? "", /^canary and stable have the same pod-template hash "c1": nothing to compare/);
});

test("served: each side's requests, errors and histogram summed over the judged looks, carried look to look; a starting point adds none; a previous look without them is partial", async () => {
  const { parseServed } = await import("../../src/analysis/counts/served.ts");
  const provider = new CountingProvider();
  const canary = growing([90, 9, 1]);
  const stable = growing([895, 95, 10]);
  provider.answer = (side) => (side === "canary" ? canary() : stable());
  const t0 = Date.parse("2026-12-01T10:00:00Z");
  const first = await look(provider, latencyMetric(), new Date(t0), undefined, false);
  assert.deepEqual(parseServed(first.metadata?.served ?? ""), { canary: { requests: 0 }, stable: { requests: 0 }, looks: 0 }, "the first look counts nothing");
  const second = await look(provider, latencyMetric(), new Date(t0 + 30_000), first, false);
  const third = await look(provider, latencyMetric(), new Date(t0 + 60_000), second, false);
  const served = parseServed(third.metadata?.served ?? "");
  assert.equal(served?.looks, 2);
  assert.equal(served?.canary.requests, 200);
  assert.deepEqual(served?.canary.histogram?.buckets, [{ le: 0.1, count: 180 }, { le: 0.25, count: 198 }, { le: Number.POSITIVE_INFINITY, count: 200 }], "+Inf survives the JSON");
  assert.equal(served?.stable.requests, 2000);
  assert.equal(served?.partial, undefined);

  // Errors: requests and failed requests per side.
  const errorsProvider = new CountingProvider();
  const one = (v: number): QueryResult => ({ resultType: "vector", series: [{ labels: {}, points: [[0, v]] }] });
  let looks = 0;
  errorsProvider.answer = (side, query) => (query.includes("5..") ? one(looks * (side === "canary" ? 2 : 9)) : one(looks * (side === "canary" ? 1000 : 9000)));
  const errorsMetric = metricSchema.parse({
    name: "errors",
    interval: "30s",
    count: 3,
    provider: { prometheus: {} },
    compare: { requests: { errors: 'sum(x_total{h="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(x_total{h="{{podTemplateHash}}"})' } },
  });
  let previous = await look(errorsProvider, errorsMetric, new Date(t0), undefined, false);
  for (let i = 1; i <= 2; i++) {
    looks = i;
    previous = await look(errorsProvider, errorsMetric, new Date(t0 + i * 30_000), previous, false);
  }
  assert.deepEqual(parseServed(previous.metadata?.served ?? ""), { canary: { requests: 2000, errors: 4 }, stable: { requests: 18000, errors: 18 }, looks: 2 });

  // A previous look from before sluice kept the totals: they start again, marked partial; damaged text too.
  const { served: _dropped, ...older } = second.metadata ?? {};
  const after = await look(provider, latencyMetric(), new Date(t0 + 90_000), { ...second, metadata: older }, false);
  assert.equal(parseServed(after.metadata?.served ?? "")?.partial, true);
  assert.equal(parseServed(after.metadata?.served ?? "")?.canary.requests, 200, "only the requests since that look (the counters moved two looks' worth)");
  assert.equal(parseServed("{not json"), undefined);
  assert.equal(parseServed(JSON.stringify({ canary: { requests: "NaN" }, stable: { requests: 1 }, looks: 1 })), undefined, "a count that is not a number is no count");
});
