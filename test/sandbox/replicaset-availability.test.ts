import assert from "node:assert/strict";
import { test } from "node:test";
import { availability, replicaSetStatusFor } from "../../src/sandbox/workloads/replicaset-status.ts";

test("kube's availability rule: a Ready pod is available once Ready for minReadySeconds; the next such moment is reported", () => {
  const now = 10_000;
  assert.deepEqual(availability([9_000, 9_500, 10_000], 0, now), { available: 3, nextAt: undefined });
  assert.deepEqual(availability([8_000, 9_500, 10_000], 2, now), { available: 1, nextAt: 11_500 });
  assert.deepEqual(availability([], 5, now), { available: 0, nextAt: undefined });
  const rs = { metadata: { name: "web", generation: 3 }, spec: { replicas: 3, minReadySeconds: 2 } };
  assert.deepEqual(replicaSetStatusFor(rs, 3, [8_000, 9_500], now), {
    status: { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 },
    nextAt: 11_500,
  });
});
