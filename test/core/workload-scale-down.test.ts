/** workloadRef.scaleDown, decided purely: what happens to the Deployment whose template a Rollout runs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../src/api/rollout.ts";
import { decide } from "../../src/core/decide.ts";
import type { Observed } from "../../src/core/observed.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster } from "./simulated-cluster.ts";

const withRef = (scaleDown: "never" | "onsuccess" | "progressively"): Rollout => {
  const r = makeRollout(rolloutInput({ canary: { steps: [{ setWeight: 50 }] } }));
  // As the controller hands it to decide(): the Deployment's template copied in beside the reference.
  return { ...r, spec: { ...r.spec, workloadRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web", scaleDown } } };
};
const scaleWrites = (observed: Observed, rollout: Rollout) => decide(rollout, observed, new Date(0)).actions.filter((a) => a.kind === "ScaleWorkload");

/** The Rollout's first ReplicaSet with `available` of its 4 pods available, beside a Deployment of 4. */
function firstRevision(rollout: Rollout, available: number): { observed: Observed; rollout: Rollout } {
  const cluster = new SimulatedCluster("web", [], false);
  const settled = reconcileUntilSettled(rollout, cluster);
  const observed = cluster.observed();
  const rs = observed.replicaSets[0];
  assert.ok(rs);
  rs.availableReplicas = available;
  rs.readyReplicas = available;
  return { observed: { ...observed, workload: { name: "web", replicas: 4, availableReplicas: 4 } }, rollout: settled.rollout };
}

test("progressively: the Deployment goes down by the Rollout's available pods, never below 0, never up", () => {
  const r = withRef("progressively");
  const one = firstRevision(r, 1);
  assert.deepEqual(scaleWrites(one.observed, one.rollout), [{ kind: "ScaleWorkload", name: "web", replicas: 3 }]);
  const all = firstRevision(r, 4);
  assert.deepEqual(scaleWrites(all.observed, all.rollout), [{ kind: "ScaleWorkload", name: "web", replicas: 0 }]);
  // Already at (or below) the target: no write, whatever the Rollout has.
  assert.deepEqual(scaleWrites({ ...one.observed, workload: { name: "web", replicas: 2, availableReplicas: 2 } }, one.rollout), []);
});

test("onsuccess: nothing until the Rollout is Healthy, then the Deployment to 0 with an Event saying why", () => {
  const r = withRef("onsuccess");
  const partly = firstRevision(r, 2);
  const waiting = decide(partly.rollout, partly.observed, new Date(0));
  assert.notEqual(waiting.status.phase, "Healthy", "2 of 4 pods available");
  assert.deepEqual(waiting.actions.filter((a) => a.kind === "ScaleWorkload"), []);
  const healthy = firstRevision(r, 4);
  const plan = decide(healthy.rollout, healthy.observed, new Date(0));
  assert.equal(plan.status.phase, "Healthy");
  assert.deepEqual(plan.actions.filter((a) => a.kind === "ScaleWorkload"), [{ kind: "ScaleWorkload", name: "web", replicas: 0 }]);
  const event = plan.actions.find((a) => a.kind === "Event" && a.reason === "WorkloadScaledDown");
  assert.equal(event?.kind === "Event" ? event.message : "", "Deployment web scaled from 4 to 0: the Rollout is Healthy (workloadRef.scaleDown: onsuccess)");
});

test("never: the Deployment is left alone", () => {
  const all = firstRevision(withRef("never"), 4);
  assert.deepEqual(scaleWrites(all.observed, all.rollout), []);
});

test("a Rollout with workloadRef whose template was not read touches nothing and says so", () => {
  const r = withRef("progressively");
  const { template: _t, ...spec } = r.spec;
  const plan = decide({ ...r, spec }, { replicaSets: [], services: {}, analysisRuns: [], missingReferences: [] }, new Date(0));
  assert.deepEqual(plan.actions.map((a) => a.kind), ["Event"]);
  assert.match(plan.status.message ?? "", /^invalid spec: spec.workloadRef: the pod template of Deployment "web" was not read yet$/);
});
