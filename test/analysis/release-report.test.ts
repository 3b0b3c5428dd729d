/**
 * The release report, pure: from AnalysisRuns as the runner stores them (each request-judge metric's `served`
 * totals), what the new version served beside stable. Whatever the analysis did not measure is "not
 * measured" with the reason, never a number.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisRunSchema, type AnalysisRun } from "../../src/api/analysis-run.ts";
import { serializeServed, type Served } from "../../src/analysis/counts/served.ts";
import { releaseReport, type ReleaseReport } from "../../src/analysis/release-report.ts";
import { notMeasuredReasons, reportRows, reportSummary, reportText } from "../../src/analysis/release-report-text.ts";

const ERRORS = { errors: 'sum(http_requests_total{h="{{podTemplateHash}}", code=~"5.."})', requests: 'sum(http_requests_total{h="{{podTemplateHash}}"})' };
const LATENCY = { latency: 'sum by (le) (http_request_duration_seconds_bucket{h="{{podTemplateHash}}"})' };
const THRESHOLD = { name: "error-rate", successCondition: { max: 0.01 }, provider: { prometheus: { query: "sum(rate(x[1m]))" } } };

type MetricSpec = { name: string; requests?: Record<string, string>; served?: string | undefined };

/** A run as the runner leaves it: metrics, and per request-judge metric a latest measurement carrying `served`. */
function run(name: string, metrics: MetricSpec[], phase = "Successful", extra: Record<string, unknown>[] = []): AnalysisRun {
  return analysisRunSchema.parse({
    apiVersion: "sluice.dev/v1alpha1",
    kind: "AnalysisRun",
    metadata: { name, namespace: "default" },
    spec: { metrics: [...metrics.map((m) => ({ name: m.name, interval: "30s", provider: { prometheus: {} }, compare: { requests: m.requests ?? ERRORS } })), ...extra] },
    status: {
      phase,
      metricResults: metrics.map((m) => ({
        name: m.name,
        phase,
        measurements: [
          { phase: "Running", value: "e=1", metadata: { served: serializeServed({ canary: { requests: 0 }, stable: { requests: 0 }, looks: 0 }) } },
          { phase, value: "e=1", ...(m.served !== undefined ? { metadata: { served: m.served } } : {}) },
        ],
      })),
    },
  });
}

const histogram = (buckets: [number, number][]) => ({ buckets: buckets.map(([le, count]) => ({ le, count })), total: buckets.at(-1)?.[1] ?? 0 });
const INF = Number.POSITIVE_INFINITY;
const errorsServed: Served = { canary: { requests: 2000, errors: 4 }, stable: { requests: 18000, errors: 18 }, looks: 4 };
// Canary: 1000 requests, 500 under 0.1 s, 990 under 0.25 s, 999 under 1 s. Stable: all 9000 under 0.25 s.
const latencyServed: Served = {
  canary: { requests: 1000, histogram: histogram([[0.1, 500], [0.25, 990], [1, 999], [INF, 1000]]) },
  stable: { requests: 9000, histogram: histogram([[0.1, 6000], [0.25, 9000], [1, 9000], [INF, 9000]]) },
  looks: 4,
};
const report = (runs: AnalysisRun[], retryCount?: number): ReleaseReport => releaseReport({ rolloutName: "web", revision: "abc", retryCount, runs });
const value = (f: { value: number } | { notMeasured: string }) => ("value" in f ? f.value : f.notMeasured);

test("measured everything: requests, error rate and p50/p99/p99.9 per side, from the background run only (step runs overlap it)", () => {
  const bg = run("web-abc-bg", [
    { name: "errors", requests: ERRORS, served: serializeServed(errorsServed) },
    { name: "latency", requests: LATENCY, served: serializeServed(latencyServed) },
  ]);
  const step = run("web-abc-1", [{ name: "errors", served: serializeServed({ ...errorsServed, canary: { requests: 99, errors: 99 } }) }]);
  const r = report([bg, step]);
  assert.equal(value(r.canary.requests), 2000, "requests as the errors metric counts them");
  assert.equal(value(r.canary.errors), 4);
  assert.equal(value(r.canary.errorRate), 0.002);
  assert.equal(value(r.stable.errorRate), 0.001);
  // histogram_quantile's interpolation: rank 500 is the top of the first bucket; 990 the top of the second.
  assert.deepEqual(r.canary.latency.p50, { value: 0.1 });
  assert.deepEqual(r.canary.latency.p99, { value: 0.25 });
  assert.ok(Math.abs(value(r.canary.latency["p99.9"]) as number - 1) < 1e-9);
  assert.ok(Math.abs((value(r.stable.latency.p50) as number) - 0.075) < 1e-9);
  assert.equal(r.latencyUnit, "seconds");
  assert.deepEqual(r.sources, [
    { run: "web-abc-bg", metric: "errors", measures: "errors", looks: 4 },
    { run: "web-abc-bg", metric: "latency", measures: "latency", looks: 4 },
  ]);
  assert.equal(r.final, true);
  assert.deepEqual(notMeasuredReasons(r), []);
  assert.deepEqual(reportRows(r), [
    { label: "requests", canary: "2,000", stable: "18,000" },
    { label: "error rate", canary: "0.2% (4 failed)", stable: "0.1% (18 failed)" },
    { label: "p50", canary: "100 ms", stable: "75 ms" },
    { label: "p99", canary: "250 ms", stable: "246 ms" },
    { label: "p99.9", canary: "1 s", stable: "250 ms" },
  ]);
  assert.equal(reportSummary(r), "the new version served 2,000 requests; error rate 0.2% (stable 0.1%); p99 250 ms (stable 246 ms)");
});

test("without a background run the step runs are summed (they follow one another); runs of another revision or attempt are not this rollout's", () => {
  const one = run("web-abc-1", [{ name: "errors", served: serializeServed(errorsServed) }]);
  const three = run("web-abc-3", [{ name: "errors", served: serializeServed(errorsServed) }]);
  const otherRevision = run("web-def-1", [{ name: "errors", served: serializeServed(errorsServed) }]);
  const retried = run("web-abc-r1-1", [{ name: "errors", served: serializeServed(errorsServed) }]);
  const r = report([one, three, otherRevision, retried]);
  assert.equal(value(r.canary.requests), 4000);
  assert.deepEqual(r.sources.map((s) => s.run), ["web-abc-1", "web-abc-3"]);
  assert.deepEqual(report([one, three, retried], 1).sources.map((s) => s.run), ["web-abc-r1-1"], "the attempt after a retry has its own runs");
});

test("measured nothing: no runs, or only threshold metrics, say why for every figure; none is a number", () => {
  const none = report([]);
  for (const side of [none.canary, none.stable]) {
    assert.deepEqual(side.requests, { notMeasured: "no analysis ran for this revision" });
    assert.deepEqual(side.errorRate, { notMeasured: "no analysis ran for this revision" });
    assert.deepEqual(side.latency["p99.9"], { notMeasured: "no analysis ran for this revision" });
  }
  assert.deepEqual(none.sources, []);
  const thresholds = analysisRunSchema.parse({ apiVersion: "sluice.dev/v1alpha1", kind: "AnalysisRun", metadata: { name: "web-abc-bg" }, spec: { metrics: [THRESHOLD] }, status: { phase: "Successful" } });
  const r = report([thresholds]);
  assert.deepEqual(notMeasuredReasons(r), [
    "error rate: no analysis of this revision had a request-judge errors metric (compare.requests.errors)",
    "latency: no analysis of this revision had a request-judge latency metric (compare.requests.latency)",
  ]);
  assert.ok(reportRows(r).every((row) => row.canary === "not measured" && row.stable === "not measured"));
  assert.deepEqual(reportText(r), [
    "Release report, revision abc",
    "not measured: error rate: no analysis of this revision had a request-judge errors metric (compare.requests.errors)",
    "not measured: latency: no analysis of this revision had a request-judge latency metric (compare.requests.latency)",
  ]);
});

test("only an error rate: latency is not measured and says so; the report so far while the run measures", () => {
  const r = report([run("web-abc-bg", [{ name: "errors", served: serializeServed(errorsServed) }], "Running")]);
  assert.equal(value(r.canary.errorRate), 0.002);
  assert.deepEqual(r.canary.latency.p50, { notMeasured: "no analysis of this revision had a request-judge latency metric (compare.requests.latency)" });
  assert.equal(r.final, false);
  assert.equal(r.latencyUnit, undefined);
  assert.match(reportText(r)[0] ?? "", /^Release report so far, revision abc, from web-abc-bg \(errors, 4 looks\)$/);
});

test("NaN, damaged or empty totals are not measured, never a number; a quantile beyond the highest bucket is marked so", () => {
  // JSON carries NaN as null: a count that is not a number does not parse.
  const nan = JSON.stringify({ canary: { requests: Number.NaN, errors: 1 }, stable: { requests: 10, errors: 0 }, looks: 2 });
  const damaged = report([run("web-abc-bg", [{ name: "errors", served: nan }])]);
  assert.deepEqual(damaged.canary.errorRate, { notMeasured: `the errors metric's stored totals (measurement metadata "served") do not parse` });
  assert.deepEqual(damaged.notes, ["left out, their stored totals do not parse: web-abc-bg/errors"]);
  // No requests on a side: no rate and no quantile (0/0 is not 0%).
  const empty = report([
    run("web-abc-bg", [
      { name: "errors", served: serializeServed({ canary: { requests: 0, errors: 0 }, stable: { requests: 50, errors: 1 }, looks: 3 }) },
      { name: "latency", requests: LATENCY, served: serializeServed({ canary: { requests: 0, histogram: histogram([[0.1, 0], [INF, 0]]) }, stable: { requests: 50, histogram: histogram([[0.1, 10], [INF, 50]]) }, looks: 3 }) },
    ]),
  ]);
  assert.deepEqual(empty.canary.errorRate, { notMeasured: "the new version served no request the errors metric counted" });
  assert.deepEqual(empty.canary.latency.p50, { notMeasured: "the new version served no request the latency metric counted" });
  assert.equal(value(empty.stable.errorRate), 0.02);
  assert.deepEqual(empty.stable.latency.p99, { value: 0.1, aboveHighestBucket: true });
  assert.equal(reportRows(empty).find((r) => r.label === "p99")?.stable, "> 100 ms");
  // A metric whose only looks were starting points took no judged look.
  const started = report([run("web-abc-bg", [{ name: "errors", served: undefined }])]);
  assert.deepEqual(started.canary.requests, { notMeasured: "its errors metric took no judged look yet (the first look only reads where the counters stand)" });
  // Totals that miss early looks say so.
  const partial = report([run("web-abc-bg", [{ name: "errors", served: serializeServed({ ...errorsServed, partial: true }) }])]);
  assert.equal(partial.notes.length, 1);
});
