import assert from "node:assert/strict";
import { test } from "node:test";
import { buildReplicaSet } from "../../src/controller/build/replica-set.ts";
import { observedReplicaSet } from "../../src/controller/observe.ts";
import { decide } from "../../src/core/decide.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { templateOf } from "../../src/core/rollout-template.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const withMinReady = (seconds: number) => {
  const input = rolloutInput({ canary: { steps: [{ setWeight: 50 }, { pause: {} }] } });
  return makeRollout({ ...input, spec: { ...input.spec, minReadySeconds: seconds } });
};

test("minReadySeconds defaults to 0 and goes onto the ReplicaSets sluice creates; observe reads it back (absent = 0)", () => {
  assert.equal(makeRollout(rolloutInput({ canary: {} })).spec.minReadySeconds, 0);
  const rollout = withMinReady(5);
  const rs = buildReplicaSet(rollout, "abc", 2, 1);
  assert.equal((rs.spec as { minReadySeconds?: number }).minReadySeconds, 5);
  assert.equal(observedReplicaSet(rs)?.minReadySeconds, 5);
  const { minReadySeconds: _dropped, ...spec } = rs.spec as Record<string, unknown>;
  assert.equal(observedReplicaSet({ ...rs, spec })?.minReadySeconds, 0);
});

test("a changed minReadySeconds is written onto the current revision's ReplicaSet in place: no new revision, older ReplicaSets keep theirs", () => {
  const cluster = new SimulatedCluster("web", [], false);
  const v1 = reconcileUntilSettled(withMinReady(0), cluster).rollout;
  const hash = v1.status?.stableRS ?? "";
  const rs = cluster.replicaSets.get(hash);
  assert.ok(rs);
  rs.minReadySeconds = 0;
  const changed = { ...v1, spec: { ...v1.spec, minReadySeconds: 10 } };
  assert.equal(podTemplateHash(templateOf(changed)), hash, "the pod template, and so the revision, is the same");
  const plan = decide(changed, cluster.observed(), new Date(cluster.now));
  assert.deepEqual(plan.actions.filter((a) => a.kind === "SetMinReadySeconds"), [{ kind: "SetMinReadySeconds", name: rs.name, seconds: 10 }]);
  assert.ok(!plan.actions.some((a) => a.kind === "CreateReplicaSet"));
  // In step: nothing to write.
  rs.minReadySeconds = 10;
  assert.ok(!decide(changed, cluster.observed(), new Date(cluster.now)).actions.some((a) => a.kind === "SetMinReadySeconds"));
  // A new revision: only its own ReplicaSet is kept in step, the old stable is left as it was.
  const v2 = withImage({ ...changed, spec: { ...changed.spec, minReadySeconds: 3 } }, "acme/web:2");
  const next = decide(v2, cluster.observed(), new Date(cluster.now));
  assert.ok(!next.actions.some((a) => a.kind === "SetMinReadySeconds" && a.name === rs.name));
});
