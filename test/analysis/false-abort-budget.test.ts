/** One run's false-abort budget: its share from the spec, split among the request metrics of the whole run. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { requestAlpha, runBudget, shareConfidence } from "../../src/analysis/false-abort-budget.ts";
import { metricSchema } from "../../src/api/metric.ts";

const requests = (name: string, extra: Record<string, unknown> = {}) =>
  metricSchema.parse({ name, interval: "30s", provider: { prometheus: {} }, compare: { requests: { latency: 'sum by (le) (x_bucket{h="{{podTemplateHash}}"})' } }, ...extra });
const perStep = metricSchema.parse({ name: "p99", provider: { prometheus: {} }, compare: { query: 'x{h="{{podTemplateHash}}"}' } });
const threshold = metricSchema.parse({ name: "errors", provider: { prometheus: { query: "vector(0)" } }, successCondition: { max: 0.01 } });

test("the request metrics are counted in the whole spec, dry runs left out; a run without falseAbortShare has share 1", () => {
  const metrics = [requests("latency"), requests("errors-judge"), requests("shadow", { dryRun: true }), perStep, threshold];
  assert.deepEqual(runBudget({ metrics }), { share: 1, requestMetrics: 2 });
  assert.deepEqual(runBudget({ metrics, falseAbortShare: 0.25 }), { share: 0.25, requestMetrics: 2 });
  assert.deepEqual(runBudget({ metrics: [threshold] }), { share: 1, requestMetrics: 0 });
});

test("request alpha = share × (1 - confidence) / request metrics; the per-step judge's confidence = 1 - share × (1 - confidence)", () => {
  assert.ok(Math.abs(requestAlpha(0.98, { share: 0.25, requestMetrics: 2 }) - 0.0025) < 1e-15);
  assert.ok(Math.abs(requestAlpha(0.98, { share: 1, requestMetrics: 0 }) - 0.02) < 1e-15, "no request metrics: nothing to split by");
  assert.ok(Math.abs(shareConfidence(0.98, { share: 0.25, requestMetrics: 2 }) - 0.995) < 1e-15, "the per-step judge is not split by request metrics");
  assert.equal(shareConfidence(0.98, { share: 1, requestMetrics: 0 }), 0.98);
});
