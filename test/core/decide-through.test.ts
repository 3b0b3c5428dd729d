/**
 * decideThrough (src/core/decide-through.ts) on the scale bench's fleet shape (2 replicas, [setWeight 50,
 * pause 1s], no router): the reconciles of a canary cycle, each with what it writes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideThrough } from "../../src/core/decide-through.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import type { Plan } from "../../src/core/plan.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";
import { templateOf } from "../../src/core/rollout-template.ts";

function fleetRollout(): { cluster: SimulatedCluster; v2: Rollout } {
  const cluster = new SimulatedCluster("web", [], false);
  const v1 = reconcileUntilSettled(makeRollout(rolloutInput({ canary: { steps: [{ setWeight: 50 }, { pause: { duration: "1s" } }] } }, "acme/web:1", 2)), cluster).rollout;
  return { cluster, v2: withImage(v1, "acme/web:2") };
}

/** One reconcile: decide, carry the plan out, store its status (what the controller does, without faults). */
function reconcile(cluster: SimulatedCluster, rollout: Rollout): { plan: Plan; rollout: Rollout } {
  const plan = decideThrough(rollout, cluster.observed(), new Date(cluster.now));
  cluster.apply(plan, rollout);
  return { plan, rollout: { ...rollout, status: plan.status } };
}

const writes = (plan: Plan) => plan.actions.map((a) => (a.kind === "Event" ? `Event ${a.reason}: ${a.message}` : a.kind === "ScaleReplicaSet" ? `scale ${a.name} to ${a.replicas}` : a.kind));

test("the scale-down that completes a setWeight step also completes it, and the pause after it starts: one reconcile, one Event", () => {
  const { cluster, v2 } = fleetRollout();
  const first = reconcile(cluster, v2);
  assert.equal(first.plan.status.currentStepIndex, 0);
  const second = reconcile(cluster, first.rollout);
  const stable = v2.status?.stableRS;
  const [scale, event, ...more] = writes(second.plan);
  assert.equal(scale, `scale web-${stable} to 1`);
  assert.match(event ?? "", /^Event RolloutPaused: completed step 1\/2 \(set weight 50%\); paused at step 2\/2 \(pause 1s\) until 2026-11-23T\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(more, []);
  // The joined Event keeps its parts apart as data: the step done, and what the pause's Event says.
  const joined = second.plan.actions.find((a) => a.kind === "Event");
  assert.equal(joined?.kind === "Event" ? joined.details?.completedSteps?.map((c) => `${c.step}: ${c.message}`).join() : undefined, "1: completed step 1/2 (set weight 50%)");
  assert.match(joined?.kind === "Event" ? (joined.details?.rest ?? "") : "", /^paused at step 2\/2 \(pause 1s\) until /);
  assert.equal(second.plan.status.phase, "Paused");
  // Written after the scale-down: the pause's clock starts once the split it pauses on is there.
  assert.notEqual(second.plan.statusFirst, true);
  assert.deepEqual(second.plan.status.canary?.weights, { canary: 50, stable: 50 });
  assert.equal(second.plan.status.replicas, 2);
});

test("the pause's end and the promotion's first scale-up are one reconcile, status first, with no Event: the pause's Event said until when", () => {
  const { cluster, v2 } = fleetRollout();
  const paused = reconcile(cluster, reconcile(cluster, v2).rollout).rollout;
  assert.equal(paused.status?.phase, "Paused");
  cluster.now += 1_000;
  const { plan } = reconcile(cluster, paused);
  assert.equal(plan.statusFirst, true);
  assert.equal(plan.status.currentStepIndex, 2);
  assert.deepEqual(writes(plan), [`scale web-${podTemplateHash(templateOf(v2))} to 2`]);
});

test("the promotion's last scale-down and Healthy are one reconcile", () => {
  const { cluster, v2 } = fleetRollout();
  let current = v2;
  let plan: Plan | undefined;
  const v2Hash = podTemplateHash(templateOf(v2));
  for (let i = 0; i < 20 && current.status?.stableRS !== v2Hash; i++) {
    ({ plan, rollout: current } = reconcile(cluster, current));
    cluster.now += 1_000;
  }
  assert.equal(plan?.status.phase, "Healthy", plan?.status.message);
  assert.ok(plan?.actions.some((a) => a.kind === "ScaleReplicaSet" && a.replicas === 0));
  assert.ok(plan?.actions.some((a) => a.kind === "Event" && a.reason === "RolloutPromoted"));
});
