/**
 * What keeps the controller linear in the number of Rollouts: each Rollout's ReplicaSets and AnalysisRuns are
 * found through an index kept from watch events (not by filtering every cached object per reconcile), and its
 * metric series go when it is deleted; the phase gauge is counted when /metrics is scraped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnedIndex } from "../../src/controller/cluster-view.ts";
import { createMetrics } from "../../src/controller/metrics.ts";

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

test("a deleted Rollout's series are removed; the phase gauge counts at scrape time", async () => {
  const metrics = createMetrics();
  metrics.canaryWeight.set({ namespace: "shop", rollout: "web" }, 20);
  metrics.stepTransitions.inc({ namespace: "shop", rollout: "web" });
  metrics.canaryWeight.set({ namespace: "shop", rollout: "api" }, 0);
  let phases = new Map([["Healthy", 2]]);
  metrics.onCollectPhases(() => phases);
  const scrape = () => metrics.registry.metrics();
  assert.match(await scrape(), /sluice_rollouts\{phase="Healthy"\} 2/);
  metrics.forgetRollout("shop", "web");
  const after = await scrape();
  assert.doesNotMatch(after, /rollout="web"/);
  assert.match(after, /sluice_rollout_canary_weight\{namespace="shop",rollout="api"\} 0/);
  phases = new Map([["Progressing", 1]]);
  const later = await scrape();
  assert.match(later, /sluice_rollouts\{phase="Progressing"\} 1/);
  assert.doesNotMatch(later, /phase="Healthy"/);
});
