/**
 * What keeps the controller linear in the number of Rollouts: each Rollout's ReplicaSets and AnalysisRuns are
 * found through an index kept from watch events (not by filtering every cached object per reconcile), and its
 * counter series go when it is deleted; its gauges (and the phase counts) are read from the cache when /metrics is scraped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnedIndex } from "../../src/controller/cluster-view.ts";
import { createMetrics } from "../../src/controller/metrics.ts";
import type { RolloutSample, RolloutSnapshot } from "../../src/controller/rollout-samples.ts";

test("the owned index follows adds, relabels and deletes, per namespace", () => {
  const index = new OwnedIndex();
  index.set("shop", "web-abc", "web");
  index.set("shop", "web-def", "web");
  index.set("other", "web-abc", "web");
  index.set("shop", "api-1", "api");
  assert.deepEqual([...index.names("shop", "web")].sort(), ["web-abc", "web-def"]);
  assert.deepEqual(index.names("other", "web"), ["web-abc"]);
  index.set("shop", "web-def", "api"); // relabelled: it leaves web's entry
  assert.deepEqual(index.names("shop", "web"), ["web-abc"]);
  assert.deepEqual([...index.names("shop", "api")].sort(), ["api-1", "web-def"]);
  index.set("shop", "web-abc", undefined); // deleted
  assert.deepEqual(index.names("shop", "web"), []);
  index.set("shop", "web-abc", undefined); // deleting twice is harmless
  assert.deepEqual(index.names("nowhere", "web"), []);
});

test("a deleted Rollout's series are removed; the Rollouts' gauges are read from the cache at scrape time", async () => {
  const metrics = createMetrics();
  const sample = (rollout: string, canaryWeight: number): RolloutSample => ({ namespace: "shop", rollout, strategy: "canary", phase: "Healthy", step: 2, stepCount: 2, canaryWeight });
  let snapshot: RolloutSnapshot = { phases: new Map([["Healthy", 2]]), owned: [sample("web", 20), sample("api", 0)] };
  metrics.onCollectRollouts(() => snapshot);
  metrics.stepTransitions.inc({ namespace: "shop", rollout: "web" });
  metrics.analysis.finished("shop", "web", "Successful");
  metrics.analysis.measured("shop", "web", "error-rate", 0.01);
  const scrape = () => metrics.registry.metrics();
  const first = await scrape();
  assert.match(first, /sluice_rollouts\{phase="Healthy"\} 2/);
  assert.match(first, /sluice_rollout_canary_weight\{namespace="shop",rollout="web"\} 20/);
  assert.match(first, /sluice_analysis_metric_value\{namespace="shop",rollout="web",metric="error-rate"\} 0.01/);
  // Deleted: gone from the cache, and its counters forgotten.
  snapshot = { phases: new Map([["Healthy", 1]]), owned: [sample("api", 0)] };
  metrics.forgetRollout("shop", "web");
  await new Promise((r) => setImmediate(r)); // the snapshot is taken once per scrape
  const after = await scrape();
  assert.doesNotMatch(after, /rollout="web"/);
  assert.match(after, /sluice_rollout_canary_weight\{namespace="shop",rollout="api"\} 0/);
  snapshot = { phases: new Map([["Progressing", 1]]), owned: [] };
  await new Promise((r) => setImmediate(r));
  const later = await scrape();
  assert.match(later, /sluice_rollouts\{phase="Progressing"\} 1/);
  assert.doesNotMatch(later, /phase="Healthy"/);
  assert.doesNotMatch(later, /rollout="api"/);
});
