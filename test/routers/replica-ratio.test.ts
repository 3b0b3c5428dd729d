import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { replicaRatio } from "../../src/routers/replica-ratio/replica-ratio.ts";

describe("replica ratio (no router)", () => {
  it("rounds the canary up to whole pods and says what weight that really is", () => {
    assert.deepEqual(replicaRatio({ replicas: 4, canaryWeight: 10, trafficRouted: false }), {
      canaryReplicas: 1,
      stableReplicas: 3,
      achievedWeight: { canary: 25, stable: 75 },
      message: "with 4 replicas, 10% canary is 1 pod = 25% of traffic; use more replicas or a traffic router for finer steps",
    });
  });

  it("has no message when the pods give the weight exactly", () => {
    assert.deepEqual(replicaRatio({ replicas: 10, canaryWeight: 30, trafficRouted: false }), {
      canaryReplicas: 3,
      stableReplicas: 7,
      achievedWeight: { canary: 30, stable: 70 },
    });
    assert.equal(replicaRatio({ replicas: 5, canaryWeight: 100, trafficRouted: false }).canaryReplicas, 5);
    assert.equal(replicaRatio({ replicas: 5, canaryWeight: 0, trafficRouted: false }).canaryReplicas, 0);
  });

  it("keeps a stable pod below 100%, even with one replica", () => {
    assert.deepEqual(replicaRatio({ replicas: 4, canaryWeight: 90, trafficRouted: false }).canaryReplicas, 3);
    const single = replicaRatio({ replicas: 1, canaryWeight: 50, trafficRouted: false });
    assert.deepEqual([single.canaryReplicas, single.stableReplicas, single.achievedWeight.canary], [0, 1, 0]);
    assert.match(single.message ?? "", /^with 1 replica, 50% canary is 0 pods = 0% of traffic/);
  });

  it("handles zero replicas", () => {
    const none = replicaRatio({ replicas: 0, canaryWeight: 50, trafficRouted: false });
    assert.deepEqual([none.canaryReplicas, none.stableReplicas], [0, 0]);
    assert.match(none.message ?? "", /0 replicas/);
  });

  it("honours setCanaryScale replicas and weight", () => {
    assert.deepEqual(replicaRatio({ replicas: 10, canaryWeight: 10, canaryScale: { replicas: 4 }, trafficRouted: false }).achievedWeight, { canary: 40, stable: 60 });
    assert.equal(replicaRatio({ replicas: 10, canaryWeight: 10, canaryScale: { weight: 50 }, trafficRouted: false }).canaryReplicas, 5);
    assert.equal(replicaRatio({ replicas: 3, canaryWeight: 10, canaryScale: { replicas: 7 }, trafficRouted: false }).canaryReplicas, 3);
  });

  it("always gives whole pods adding up to replicas and a weight adding up to 100", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 100 }), (replicas, canaryWeight) => {
        const ratio = replicaRatio({ replicas, canaryWeight, trafficRouted: false });
        assert.ok(Number.isInteger(ratio.canaryReplicas) && Number.isInteger(ratio.stableReplicas));
        assert.equal(ratio.canaryReplicas + ratio.stableReplicas, replicas);
        assert.equal(ratio.achievedWeight.canary + ratio.achievedWeight.stable, 100);
        assert.ok(Number.isInteger(ratio.achievedWeight.canary) && ratio.achievedWeight.canary >= 0 && ratio.achievedWeight.canary <= 100);
        if (replicas > 1 && canaryWeight > 0 && canaryWeight < 100) assert.ok(ratio.canaryReplicas >= 1 && ratio.stableReplicas >= 1);
        const exact = replicas > 0 && ratio.achievedWeight.canary === canaryWeight;
        assert.equal(ratio.message === undefined, exact, "a message exactly when the pods cannot give the weight");
      }),
    );
  });
});

describe("replica counts with a router", () => {
  it("keeps stable at full size and sizes the canary to the weight or to setCanaryScale", () => {
    assert.deepEqual(replicaRatio({ replicas: 4, canaryWeight: 10, trafficRouted: true }), {
      canaryReplicas: 1,
      stableReplicas: 4,
      achievedWeight: { canary: 10, stable: 90 },
    });
    assert.equal(replicaRatio({ replicas: 4, canaryWeight: 10, canaryScale: { replicas: 2 }, trafficRouted: true }).canaryReplicas, 2);
    assert.equal(replicaRatio({ replicas: 4, canaryWeight: 10, canaryScale: { weight: 100 }, trafficRouted: true }).canaryReplicas, 4);
    assert.equal(replicaRatio({ replicas: 4, canaryWeight: 60, canaryScale: { matchTrafficWeight: true }, trafficRouted: true }).canaryReplicas, 3);
  });
});
