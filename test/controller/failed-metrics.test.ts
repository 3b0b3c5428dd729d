/** The failed metrics of a finished AnalysisRun, as data, from the full object and from its cached trim alike. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { failedMetricsOf, trimToFailedMetrics } from "../../src/controller/failed-metrics.ts";
import { observedAnalysisRun } from "../../src/controller/observe.ts";

const run = (phase: string, results: { name: string; phase: string; value?: string }[]) => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisRun",
  metadata: { name: "web-abc-1", namespace: "default" },
  spec: {
    terminate: false,
    metrics: [
      { name: "smoke", successCondition: "result == 'pass'", provider: { web: { url: "http://x" } } },
      { name: "errors", successCondition: { max: 0.01 }, failureCondition: { min: 0.05 }, provider: { prometheus: { query: "q" } } },
      { name: "latency", successCondition: { max: 0.5 }, provider: { prometheus: { query: "q" } } },
      { name: "shadow", dryRun: true, successCondition: { max: 1 }, provider: { prometheus: { query: "q" } } },
    ],
  },
  status: {
    phase,
    metricResults: results.map((r) => ({ name: r.name, phase: r.phase, count: 1, measurements: [{ phase: "Successful", value: "0" }, { phase: r.phase, ...(r.value !== undefined ? { value: r.value } : {}) }] })),
  },
});

test("a failed run's failing metrics: failed ones first with their latest value and the condition that failed them, then errored ones without a condition; dry runs never", () => {
  const failed = run("Failed", [
    { name: "latency", phase: "Error" },
    { name: "smoke", phase: "Failed", value: `"fail"` },
    { name: "errors", phase: "Failed", value: "0.07" },
    { name: "shadow", phase: "Failed", value: "9" },
  ]);
  const expected = [
    { metric: "smoke", value: `"fail"`, condition: "result == 'pass'" },
    // With both conditions a Failed measurement met the failure condition.
    { metric: "errors", value: "0.07", condition: "min 0.05" },
    { metric: "latency", value: undefined, condition: undefined },
  ];
  assert.deepEqual(failedMetricsOf(failed), expected);
  // The cache keeps just enough of it, and reads the same from the trim.
  const cached = structuredClone(failed) as unknown as Record<string, unknown>;
  trimToFailedMetrics(cached);
  assert.deepEqual(failedMetricsOf(cached), expected);
  assert.equal(JSON.stringify(cached).includes("provider"), false, "no query or provider kept");
  assert.deepEqual(observedAnalysisRun(cached as never)?.failedMetrics, expected);
});

test("a run that did not fail has no failed metrics, and the cache keeps none of its metrics", () => {
  for (const phase of ["Running", "Successful", "Inconclusive"]) {
    const r = run(phase, [{ name: "smoke", phase: "Failed", value: "x" }]);
    assert.deepEqual(failedMetricsOf(r), [], phase);
    const cached = structuredClone(r) as unknown as Record<string, unknown>;
    trimToFailedMetrics(cached);
    assert.equal((cached.spec as Record<string, unknown>).metrics, undefined);
    assert.equal((cached.status as Record<string, unknown>).metricResults, undefined);
    assert.equal(observedAnalysisRun(cached as never)?.failedMetrics, undefined);
  }
});
