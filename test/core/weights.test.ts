import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { canaryReplicasForWeight, replicaRatio, weightFromPods } from "../../src/core/weights.ts";

test("replica ratio: whole pods, the weight achieved, and a note when it differs from the one asked for", () => {
  assert.deepEqual(replicaRatio(4, 10), {
    canary: 1,
    stable: 3,
    achievedWeight: 25,
    note: "with 4 replicas, 10% is 1 pod beside 3 pods = 25% of traffic; use more replicas or a traffic router for finer steps",
  });
  assert.deepEqual(replicaRatio(10, 30), { canary: 3, stable: 7, achievedWeight: 30 });
  assert.deepEqual(replicaRatio(5, 0), { canary: 0, stable: 5, achievedWeight: 0 });
  assert.deepEqual(replicaRatio(5, 100), { canary: 5, stable: 0, achievedWeight: 100 });
  // One replica still gets a canary pod before promotion, by running one extra (surge) pod.
  assert.deepEqual(replicaRatio(1, 50), { canary: 1, stable: 1, achievedWeight: 50 });
  assert.equal(replicaRatio(4, 90).stable, 1, "a stable pod stays below 100%");
});

test("replica ratio properties: at least one canary pod above 0%, one stable pod below 100%, achieved weight from the pods", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 100 }), (total, weight) => {
      const s = replicaRatio(total, weight);
      const whole = [s.canary, s.stable, s.achievedWeight].every(Number.isInteger);
      const canaryOk = weight === 0 ? s.canary === 0 : s.canary >= 1;
      const stableOk = weight === 100 ? s.stable === 0 : s.stable >= 1;
      const achieved = s.achievedWeight === Math.round((100 * s.canary) / (s.canary + s.stable));
      return whole && canaryOk && stableOk && achieved && (s.note === undefined) === (s.achievedWeight === weight);
    }),
  );
});

test("canary pods for a routed weight and the weight seen from ready pods", () => {
  assert.equal(canaryReplicasForWeight(4, 10), 1);
  assert.equal(canaryReplicasForWeight(4, 0), 0);
  assert.equal(canaryReplicasForWeight(4, 60), 3);
  assert.equal(canaryReplicasForWeight(4, 100), 4);
  assert.equal(weightFromPods(1, 3), 25);
  assert.equal(weightFromPods(0, 0), 0);
});
