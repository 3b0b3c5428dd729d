import assert from "node:assert/strict";
import { test } from "node:test";
import { decide } from "../../src/core/decide.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";
import { templateOf } from "../../src/core/rollout-template.ts";

const analysis = { templates: [{ templateName: "error-rate" }] };

function healthy(blueGreen: Record<string, unknown>) {
  const rollout = makeRollout(rolloutInput({ blueGreen: { activeService: "web", previewService: "web-preview", ...blueGreen } as never }));
  const cluster = new SimulatedCluster("web", ["web", "web-preview"], false);
  const done = reconcileUntilSettled(rollout, cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  return { cluster, v1: done.rollout, v1Hash: done.rollout.status?.stableRS ?? "" };
}

test("manual promotion: the preview selects only the new pods until promote, then the active Service switches in one write", () => {
  const { cluster, v1, v1Hash } = healthy({ autoPromotionEnabled: false, previewReplicaCount: 1, scaleDownDelaySeconds: 60 });
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const paused = reconcileUntilSettled(v2, cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.equal(paused.rollout.status?.message, "new version ready (preview: Service web-preview): waiting for promote");
  assert.equal(cluster.services["web-preview"]?.podHash, v2Hash);
  assert.equal(cluster.services.web?.podHash, v1Hash);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 1, "previewReplicaCount");
  assert.equal(paused.rollout.status?.blueGreen?.activeSelector, v1Hash);
  assert.equal(paused.rollout.status?.blueGreen?.previewSelector, v2Hash);

  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(cluster.services.web?.podHash, v2Hash);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 4, "full size before the switch");
  const pins = cluster.log.filter((a) => a.kind === "PinService" && a.service === "web");
  assert.equal(pins.length, 2, "one write at first deployment, one at the switch");
  const scaledToFull = cluster.log.findIndex((a) => a.kind === "ScaleReplicaSet" && a.replicas === 4);
  const switched = cluster.log.findIndex((a) => a.kind === "PinService" && a.service === "web" && a.podHash === v2Hash);
  assert.ok(scaledToFull >= 0 && switched > scaledToFull);
  assert.equal(cluster.replicaSets.get(v1Hash)?.replicas, 0, "old side scaled down after scaleDownDelaySeconds");
  assert.ok(cluster.log.some((a) => a.kind === "SetScaleDownDeadline" && a.deadline !== null));
});

test("pre-promotion analysis failure aborts: the active Service never moved, the preview goes after the delay", () => {
  const { cluster, v1, v1Hash } = healthy({ prePromotionAnalysis: analysis });
  cluster.script = (_n, role) => ({ phase: role === "prePromotion" ? "Failed" : "Successful", message: "error rate 0.08 > 0.01", afterMs: 20_000 });
  const v2 = withImage(v1, "acme/web:2");
  const done = reconcileUntilSettled(v2, cluster);
  assert.equal(done.rollout.status?.phase, "Aborted");
  assert.match(done.rollout.status?.message ?? "", /pre$|failed: error rate 0\.08 > 0\.01$/);
  assert.ok(!cluster.log.some((a) => a.kind === "PinService" && a.service === "web" && a.podHash !== v1Hash));
  assert.equal(cluster.replicaSets.get(podTemplateHash(templateOf(v2)))?.replicas, 0);
});

test("post-promotion analysis failure switches the active Service back to the old version", () => {
  const { cluster, v1, v1Hash } = healthy({ postPromotionAnalysis: analysis });
  cluster.script = (_n, role) => ({ phase: role === "postPromotion" ? "Failed" : "Successful", afterMs: 30_000 });
  const done = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(done.rollout.status?.phase, "Aborted");
  assert.equal(cluster.services.web?.podHash, v1Hash);
  assert.equal(done.rollout.status?.stableRS, v1Hash);
  const pins = cluster.log.filter((a) => a.kind === "PinService" && a.service === "web").map((a) => (a.kind === "PinService" ? a.podHash : ""));
  assert.deepEqual(pins.slice(-2).reverse()[0], v1Hash);
});

test("automatic promotion after autoPromotionSeconds, timed from status (restart-safe)", () => {
  const { cluster, v1 } = healthy({ autoPromotionSeconds: 120 });
  const v2 = withImage(v1, "acme/web:2");
  const waiting = reconcileUntilSettled(v2, cluster, { stopWhen: (r) => r.status?.phase === "Paused" });
  assert.match(waiting.rollout.status?.message ?? "", /promoting automatically at 2026-11-23T10:02:00Z/);
  const later = decide(waiting.rollout, cluster.observed(), new Date(cluster.now + 60_000));
  assert.equal(later.requeueAfterMs, 60_000);
  const done = reconcileUntilSettled(waiting.rollout, cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.stableRS, podTemplateHash(templateOf(v2)));
});

test("an inconclusive pre-promotion analysis pauses until promote", () => {
  const { cluster, v1 } = healthy({ prePromotionAnalysis: analysis });
  cluster.script = () => ({ phase: "Inconclusive", message: "too few requests: 12 < 100" });
  const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.match(paused.rollout.status?.message ?? "", /pre-promotion analysis inconclusive \(too few requests: 12 < 100\)/);
  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
});

test("the preview Service moves only once the new version's pods are available", () => {
  const { cluster, v1, v1Hash } = healthy({ autoPromotionEnabled: false });
  cluster.readyAfterMs = 30_000;
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const first = decide(v2, cluster.observed(), new Date(cluster.now));
  cluster.apply(first);
  assert.ok(!first.actions.some((a) => a.kind === "PinService" && a.service === "web-preview"), "no preview switch before pods are ready");
  assert.equal(cluster.services["web-preview"]?.podHash, v1Hash);
  const paused = reconcileUntilSettled({ ...v2, status: first.status }, cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.equal(cluster.services["web-preview"]?.podHash, v2Hash);
});
