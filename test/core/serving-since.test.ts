/**
 * status.servingSince: when the current revision was first seen serving production traffic (read back, never
 * assumed), once per attempt. Its setting is the rollout-started notification, so it must not be early (no
 * weight yet, only a preview) nor repeat (an abort taking traffic away, pods coming and going).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decideThrough } from "../../src/core/decide-through.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";
import type { Rollout } from "../../src/api/rollout.ts";

const routed = (steps: unknown[]) =>
  makeRollout(rolloutInput({ canary: { stableService: "web-stable", canaryService: "web-canary", trafficRouting: { gatewayAPI: { httpRoute: "web" } }, steps: steps as never } }));

function healthy(rollout: Rollout, services: string[], withRouter: boolean) {
  const cluster = new SimulatedCluster("web", services, withRouter);
  const v1 = reconcileUntilSettled(rollout, cluster).rollout;
  assert.equal(v1.status?.servingSince, undefined, "a first deployment has no rollout to announce");
  return { cluster, v1 };
}

test("with a router: set the reconcile the router is read back sending the canary weight, not before; kept through the rollout; a new revision clears it", () => {
  const { cluster, v1 } = healthy(routed([{ pause: {} }, { setWeight: 20 }, { pause: {} }]), ["web-stable", "web-canary"], true);
  // Step 1 is a pause at weight 0: the new version has pods but no traffic.
  const atZero = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(atZero.rollout.status?.phase, "Paused");
  assert.equal(atZero.rollout.status?.servingSince, undefined, "pods without traffic do not serve");
  const at20 = reconcileUntilSettled(promote(atZero.rollout), cluster);
  assert.equal(cluster.routing?.canaryWeight, 20);
  const since = at20.rollout.status?.servingSince;
  assert.ok(since, "set once the router reads back 20%");
  const done = reconcileUntilSettled(promote(at20.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.servingSince, since, "set once");
  const v3 = decideThrough(withImage(done.rollout, "acme/web:3"), cluster.observed(), new Date(cluster.now));
  assert.equal(v3.status.servingSince, undefined, "the next revision has not served yet");
});

test("an abort keeps it (no second announcement); a retry clears it and the retried attempt sets it again when traffic returns", () => {
  const { cluster, v1 } = healthy(routed([{ setWeight: 20 }, { pause: {} }]), ["web-stable", "web-canary"], true);
  const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  const first = paused.rollout.status?.servingSince;
  assert.ok(first);
  const aborted = reconcileUntilSettled({ ...paused.rollout, status: { ...paused.rollout.status, abort: true } }, cluster);
  assert.equal(aborted.rollout.status?.phase, "Aborted");
  assert.equal(aborted.rollout.status?.servingSince, first);
  cluster.now += 60_000;
  const retried = reconcileUntilSettled({ ...aborted.rollout, status: { ...aborted.rollout.status, abort: undefined } }, cluster);
  assert.equal(retried.rollout.status?.retryCount, 1);
  assert.ok(retried.rollout.status?.servingSince && retried.rollout.status.servingSince > first, "set again, later, for the retry");
});

test("without a router: set once a canary pod is available (the app's Service reaches every pod)", () => {
  const rollout = makeRollout(rolloutInput({ canary: { steps: [{ setWeight: 50 }, { pause: {} }] } }, "acme/web:1", 2));
  const { cluster, v1 } = healthy(rollout, [], false);
  cluster.readyAfterMs = 10_000;
  const before = decideThrough(withImage(v1, "acme/web:2"), cluster.observed(), new Date(cluster.now));
  cluster.apply(before);
  assert.equal(before.status.servingSince, undefined, "the canary's pod is not available yet");
  const paused = reconcileUntilSettled({ ...withImage(v1, "acme/web:2"), status: before.status }, cluster);
  assert.ok(paused.rollout.status?.servingSince);
});

test("blue-green: the preview is no production traffic; set when the active Service is read back selecting the new version", () => {
  const rollout = makeRollout(rolloutInput({ blueGreen: { activeService: "web", previewService: "web-preview", autoPromotionEnabled: false } as never }));
  const { cluster, v1 } = healthy(rollout, ["web", "web-preview"], false);
  const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.equal(paused.rollout.status?.servingSince, undefined);
  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.ok(done.rollout.status?.servingSince);
});
