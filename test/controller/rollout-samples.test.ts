/** What /metrics reads of a cached Rollout, and which Rollouts a process reports (those of its shards). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleOf, snapshotOf } from "../../src/controller/rollout-samples.ts";
import type { KubeObject } from "../../src/kube/kube-object.ts";

const rollout = (name: string, spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
  apiVersion: "sluice.dev/v1alpha1",
  kind: "Rollout",
  metadata: { name, namespace: "shop" },
  spec,
  ...(status ? { status } : {}),
});

test("a canary's phase, 1-based step of its steps and weight; a blue-green's phase alone; a new Rollout's nothing", () => {
  assert.deepEqual(sampleOf(rollout("web", { strategy: { canary: { steps: [] } } }, { phase: "Paused", stepProgress: "3/7", currentStepIndex: 2, canary: { weights: { canary: 30, stable: 70 } } })), {
    namespace: "shop",
    rollout: "web",
    strategy: "canary",
    phase: "Paused",
    step: 3,
    stepCount: 7,
    canaryWeight: 30,
  });
  assert.deepEqual(sampleOf(rollout("bg", { strategy: { blueGreen: { activeService: "bg" } } }, { phase: "Healthy" })), {
    namespace: "shop",
    rollout: "bg",
    strategy: "blueGreen",
    phase: "Healthy",
    step: undefined,
    stepCount: undefined,
    canaryWeight: undefined,
  });
  const fresh = sampleOf(rollout("new", { strategy: { canary: {} } }));
  assert.equal(fresh.phase, undefined);
  assert.equal(fresh.step, undefined);
  // A hand-edited status cannot make a series of garbage.
  assert.equal(sampleOf(rollout("odd", { strategy: { canary: {} } }, { stepProgress: "x/y", canary: { weights: { canary: "50" } } })).step, undefined);
});

test("the phase counts cover every cached Rollout, the samples only those this process owns", () => {
  const all = [rollout("a", { strategy: { canary: {} } }, { phase: "Healthy" }), rollout("b", { strategy: { canary: {} } }, { phase: "Healthy" }), rollout("c", { strategy: { canary: {} } })];
  const snap = snapshotOf(all, (r) => r.metadata.name !== "b");
  assert.deepEqual([...snap.phases], [["Healthy", 2], ["Unknown", 1]]);
  assert.deepEqual(snap.owned.map((s) => s.rollout), ["a", "c"]);
});
