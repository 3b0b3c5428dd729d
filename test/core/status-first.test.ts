/**
 * A plan that acts on a step its status records for the first time writes that status before acting
 * (Plan.statusFirst, src/core/decide-through.ts). Killed in between, the controller resumes at the new step:
 * nothing goes back a step, and the next reconcile asks for the same writes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideThrough } from "../../src/core/decide-through.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const withSteps = (steps: unknown[], router: boolean): Rollout =>
  makeRollout(
    rolloutInput({
      canary: router
        ? { stableService: "web-stable", canaryService: "web-canary", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, steps: steps as never }
        : { steps: steps as never },
    }),
  );

for (const router of [true, false]) {
  test(`${router ? "router" : "no router"}: the end of a timed pause and the next step's first writes are one plan, status first; killed after the status, it resumes at the next step`, () => {
    const cluster = new SimulatedCluster("web", router ? ["web-stable", "web-canary"] : [], router);
    const v1 = reconcileUntilSettled(withSteps([{ setWeight: 25 }, { pause: { duration: "1m" } }, { setWeight: 50 }], router), cluster).rollout;
    const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster, { stopWhen: (r) => r.status?.phase === "Paused" }).rollout;
    assert.equal(paused.status?.phase, "Paused", paused.status?.message);
    assert.equal(paused.status?.currentStepIndex, 1);
    const canaryBefore = [...cluster.replicaSets.values()].find((rs) => rs.podHash === paused.status?.currentPodHash)?.replicas;

    cluster.now += 60_000;
    const plan = decideThrough(paused, cluster.observed(), new Date(cluster.now));
    assert.equal(plan.statusFirst, true);
    assert.equal(plan.status.currentStepIndex, 2, plan.status.message);
    const writes = plan.actions.filter((a) => a.kind !== "Event");
    assert.ok(writes.length > 0, "it acts on step 3 in the same plan");

    // Killed after the status write, before any action: what is stored is step 3, and step 3 is what runs next.
    const stored: Rollout = { ...paused, status: plan.status };
    const again = decideThrough(stored, cluster.observed(), new Date(cluster.now + 1_000));
    assert.equal(again.status.currentStepIndex, 2);
    assert.deepEqual(again.actions.filter((a) => a.kind !== "Event"), writes, "the same writes, asked again");
    assert.ok(!again.actions.some((a) => a.kind === "Event" && a.reason === "StepCompleted"), "the pause is not completed a second time");

    const from = cluster.log.length;
    const { rollout: done, trace } = reconcileUntilSettled(stored, cluster);
    assert.equal(done.status?.phase, "Healthy", done.status?.message);
    // Nothing went back to step 2's split: the canary kept its pods, and with a router its traffic.
    const canary = [...cluster.replicaSets.values()].find((rs) => rs.podHash === paused.status?.currentPodHash);
    const shrunk = cluster.log.slice(from).some((a) => a.kind === "ScaleReplicaSet" && a.name === canary?.name && a.replicas < (canaryBefore ?? 0));
    assert.ok(!shrunk, "the canary was scaled back");
    if (router) {
      const weights = trace.map((t) => t.weight ?? 0);
      const untilPromotion = weights.slice(0, weights.indexOf(100) + 1);
      assert.ok(untilPromotion.length > 0 && untilPromotion.every((w) => w >= 25), `weights ${weights.join(",")}`);
    }
  });
}
