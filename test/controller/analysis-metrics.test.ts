/** The analysis series: a run's result counted once per run, numeric measurements as the metric's last value, and nothing for a Rollout no longer cached. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisMetricHooks, numericValue } from "../../src/controller/analysis-metrics.ts";
import { ROLLOUT_LABEL } from "../../src/controller/labels.ts";
import { createMetrics } from "../../src/controller/metrics.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";

const run = (rollout: string | undefined): KubeObject => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "AnalysisRun",
  metadata: { name: `${rollout ?? "adhoc"}-abc-1`, namespace: "shop", ...(rollout ? { labels: { [ROLLOUT_LABEL]: rollout } } : {}) },
});
const measurement = (metric: string, value: string | undefined) => ({ metric, measurement: { phase: "Successful" as const, ...(value === undefined ? {} : { value }) } });

test("a measurement is plotted when it is one number", () => {
  assert.equal(numericValue("0.0123"), 0.0123);
  assert.equal(numericValue("42"), 42);
  for (const text of [undefined, "", " ", "NaN", "[0.2, 0.4]", '"pass"', "Infinity"]) assert.equal(numericValue(text), undefined, String(text));
});

test("results and values go to the run's Rollout while it is cached; runs of no Rollout or a deleted one are not counted", async () => {
  const metrics = createMetrics();
  const cached = new Set(["shop/web"]);
  const hooks = analysisMetricHooks(metrics.analysis, { rollout: (namespace: string, name: string) => (cached.has(`${namespace}/${name}`) ? run(name) : undefined) });
  hooks.onMeasured(run("web"), [measurement("error-rate", "0.02"), measurement("smoke", '"pass"'), measurement("job", undefined)]);
  hooks.onFinished(run("web"), "Successful");
  hooks.onFinished(run("web"), "Failed");
  hooks.onFinished(run(undefined), "Failed");
  hooks.onFinished(run("gone"), "Failed");
  hooks.onMeasured(run("gone"), [measurement("error-rate", "0.5")]);
  const text = await metrics.registry.metrics();
  assert.match(text, /^sluice_analysis_metric_value\{namespace="shop",rollout="web",metric="error-rate"\} 0.02$/m);
  assert.doesNotMatch(text, /metric="(smoke|job)"/);
  assert.match(text, /^sluice_analysis_run_results_total\{namespace="shop",rollout="web",phase="Successful"\} 1$/m);
  assert.match(text, /^sluice_analysis_run_results_total\{namespace="shop",rollout="web",phase="Failed"\} 1$/m);
  // There at 0 since the first measurement, so a first result is an increase Prometheus can see.
  assert.match(text, /^sluice_analysis_run_results_total\{namespace="shop",rollout="web",phase="Inconclusive"\} 0$/m);
  assert.doesNotMatch(text, /rollout="gone"|rollout=""/);
  metrics.forgetRollout("shop", "web");
  assert.doesNotMatch(await metrics.registry.metrics(), /rollout="web"/);
});
