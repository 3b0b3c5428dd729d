/**
 * Issue 11, items 1-6: outages a kind world hides, each reproduced with decide() and the simulated cluster.
 * Every test here failed on the code before the fixes (commit "core: ... issue 11 items 1-6").
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rollout } from "../../src/api/rollout.ts";
import { abort as cliAbort } from "../../src/cli/actions/abort-retry.ts";
import { decide } from "../../src/core/decide.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";
import { routerProblem } from "../../src/core/router-problem.ts";
import { templateOf } from "../../src/core/rollout-template.ts";

const analysis = { templates: [{ templateName: "t" }] };
const abort = (r: Rollout): Rollout => ({ ...r, status: cliAbort(r).status });

function routedCanary(steps: unknown[], extra: Record<string, unknown> = {}) {
  const rollout = makeRollout(
    rolloutInput({ canary: { stableService: "s", canaryService: "c", trafficRouting: { gatewayAPI: { httpRoute: "r" } }, steps: steps as never, ...extra } }),
  );
  const cluster = new SimulatedCluster("web", ["s", "c"], true);
  const v1 = reconcileUntilSettled(rollout, cluster).rollout;
  assert.equal(v1.status?.phase, "Healthy");
  return { cluster, v1 };
}

function blueGreen(extra: Record<string, unknown>) {
  const rollout = makeRollout(rolloutInput({ blueGreen: { activeService: "web", previewService: "web-preview", ...extra } as never }));
  const cluster = new SimulatedCluster("web", ["web", "web-preview"], false);
  const v1 = reconcileUntilSettled(rollout, cluster).rollout;
  assert.equal(v1.status?.phase, "Healthy");
  return { cluster, v1 };
}

test("item 1: blue-green, a new revision during post-promotion analysis keeps the revision the active Service selects", () => {
  const { cluster, v1 } = blueGreen({ autoPromotionEnabled: false, postPromotionAnalysis: analysis });
  cluster.script = () => ({ phase: "Successful", afterMs: 3_600_000 }); // post-promotion analysis runs for an hour
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const paused = reconcileUntilSettled(v2, cluster).rollout;
  const switched = reconcileUntilSettled(promote(paused), cluster, { stopWhen: (r) => r.status?.message?.includes("post-promotion analysis running") ?? false }).rollout;
  assert.equal(cluster.services.web?.podHash, v2Hash, "v2 serves production");

  const v3 = withImage(switched, "acme/web:3");
  const waiting = reconcileUntilSettled(v3, cluster).rollout;
  assert.equal(waiting.status?.phase, "Paused", waiting.status?.message);
  assert.equal(cluster.services.web?.podHash, v2Hash, "the active Service still selects v2");
  const v2Set = cluster.replicaSets.get(v2Hash);
  assert.equal(v2Set?.replicas, 4, "v2 keeps its pods while it serves");
  assert.equal(v2Set?.availableReplicas, 4);

  // Once v3 is promoted and switched, v2 is no longer served and goes.
  cluster.script = () => ({ phase: "Successful" });
  const done = reconcileUntilSettled(promote(waiting), cluster).rollout;
  assert.equal(done.status?.phase, "Healthy", done.status?.message);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 0);
});

test("item 2 (canary): one promote releases one gate: a pause step and an inconclusive background analysis need one each", () => {
  const { cluster, v1 } = routedCanary([{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }], { analysis });
  cluster.script = () => ({ phase: "Inconclusive", message: "no data", afterMs: 3_600_000 });
  const atPause = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster, { stopWhen: (r) => r.status?.phase === "Paused" }).rollout;
  assert.equal(atPause.status?.currentStepIndex, 1);
  cluster.now += 3_600_000; // the background analysis ends inconclusive while the pause step waits
  const both = reconcileUntilSettled(atPause, cluster).rollout;
  assert.equal(both.status?.phase, "Paused");
  assert.equal(both.status?.pauseConditions?.length, 2, "two gates hold");
  cluster.script = () => ({ phase: "Successful", afterMs: 10 * 3_600_000 }); // the next background run is still measuring
  const once = reconcileUntilSettled(promote(both), cluster).rollout;
  assert.equal(once.status?.phase, "Paused", `one promote released both gates: ${once.status?.message}`);
  assert.match(once.status?.message ?? "", /step 2\/4: waiting for promote/, "the background gate went first; the pause step still holds");
  assert.equal(cluster.routing?.canaryWeight, 20, "no more traffic to the canary while a gate holds");
  const twice = reconcileUntilSettled(promote(once), cluster).rollout;
  assert.equal(twice.status?.phase, "Paused");
  assert.equal(twice.status?.currentStepIndex, 3, "released both gates, then held at the next pause step");
  assert.match(twice.status?.message ?? "", /waiting for promote/);
  assert.equal(cluster.routing?.canaryWeight, 50);
});

test("item 2 (blue-green): promoting an inconclusive pre-promotion analysis stops at the manual promotion gate", () => {
  const { cluster, v1 } = blueGreen({ autoPromotionEnabled: false, prePromotionAnalysis: analysis });
  const v1Hash = v1.status?.stableRS;
  cluster.script = () => ({ phase: "Inconclusive", message: "no data" });
  const held = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster).rollout;
  assert.match(held.status?.message ?? "", /pre-promotion analysis inconclusive/);
  const next = reconcileUntilSettled(promote(held), cluster).rollout;
  assert.equal(next.status?.phase, "Paused", next.status?.message);
  assert.match(next.status?.message ?? "", /waiting for promote/);
  assert.equal(cluster.services.web?.podHash, v1Hash, "the active Service did not switch on the analysis' promote");
});

test("item 3: an abort writes 100% stable even while the router reports inconsistent weights", () => {
  const { cluster, v1 } = routedCanary([{ setWeight: 40 }, { pause: {} }]);
  const held = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster).rollout;
  assert.equal(cluster.routing?.canaryWeight, 40);
  cluster.routerProblem = routerProblem("InconsistentWeights", "rules of HTTPRoute r disagree: 40% and 10%");
  const plan = decide(abort(held), cluster.observed(), new Date(cluster.now));
  assert.deepEqual(plan.actions.find((a) => a.kind === "Route"), { kind: "Route", want: { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] } });
});

test("item 4: a 15-minute analysis and an hour-long pause do not count against the progress deadline", () => {
  const { cluster, v1 } = routedCanary([{ setWeight: 20 }, { analysis }, { pause: {} }, { setWeight: 60 }], {});
  const strict = { ...v1, spec: { ...v1.spec, progressDeadlineAbort: true } };
  cluster.script = () => ({ phase: "Successful", afterMs: 15 * 60_000 });
  const paused = reconcileUntilSettled(withImage(strict, "acme/web:2"), cluster).rollout;
  assert.equal(paused.status?.phase, "Paused", paused.status?.message);
  assert.equal(paused.status?.currentStepIndex, 2, "the analysis passed after 15 minutes; no deadline abort");
  cluster.now += 3_600_000; // an hour at the pause
  const later = decide(paused, cluster.observed(), new Date(cluster.now)).status;
  assert.equal(later.phase, "Paused");
  const done = reconcileUntilSettled(promote({ ...paused, status: later }), cluster).rollout;
  assert.equal(done.status?.phase, "Healthy", done.status?.message);
  assert.ok(!cluster.events.some((e) => e.reason === "ProgressDeadlineExceeded"));
});

test("item 4: pods that never become ready still hit the deadline (and abort with progressDeadlineAbort)", () => {
  const { cluster, v1 } = routedCanary([{ setWeight: 20 }, { pause: {} }]);
  const strict = { ...v1, spec: { ...v1.spec, progressDeadlineAbort: true, progressDeadlineSeconds: 120 } };
  cluster.readyAfterMs = 10 * 3_600_000;
  const done = reconcileUntilSettled(withImage(strict, "acme/web:2"), cluster, { stopWhen: (r) => r.status?.phase === "Aborted" }).rollout;
  assert.equal(done.status?.phase, "Aborted");
  assert.match(done.status?.message ?? "", /no progress for 120s/);
  assert.equal(cluster.routing?.canaryWeight, 0);
});

test("item 5 (router): a new revision mid-canary moves traffic off the old canary before scaling it down", () => {
  const { cluster, v1 } = routedCanary([{ setWeight: 50 }, { pause: {} }]);
  const v2 = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster).rollout;
  const v2Hash = podTemplateHash(templateOf(v2));
  assert.equal(cluster.routing?.canaryWeight, 50);
  const v3 = withImage(v2, "acme/web:3");
  // The first plan: no scale-down of v2 while the route still sends it 50%.
  const first = decide(v3, cluster.observed(), new Date(cluster.now));
  assert.ok(!first.actions.some((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v2Hash}` && a.replicas < 2), JSON.stringify(first.actions));
  assert.ok(!first.actions.some((a) => a.kind === "PinService" && a.service === "c"), "the canary Service keeps v2 until the route reads back 0");
  cluster.readyAfterMs = 5_000;
  const done = reconcileUntilSettled(v3, cluster).rollout;
  assert.equal(done.status?.phase, "Paused");
  assert.equal(cluster.routing?.canaryWeight, 50);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 0);
});

test("item 5 (no router): a new revision mid-canary keeps 4 pods available while it replaces the old canary", () => {
  const rollout = makeRollout(rolloutInput({ canary: { maxUnavailable: 0, steps: [{ setWeight: 50 }, { pause: {} }] } }));
  const cluster = new SimulatedCluster("web", [], false);
  const v1 = reconcileUntilSettled(rollout, cluster).rollout;
  const v2 = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster).rollout;
  cluster.readyAfterMs = 5_000;
  let current = withImage(v2, "acme/web:3");
  for (let i = 0; i < 60; i++) {
    const plan = decide(current, cluster.observed(), new Date(cluster.now));
    cluster.apply(plan, current);
    current = { ...current, status: plan.status };
    const available = [...cluster.replicaSets.values()].reduce((n, rs) => n + rs.availableReplicas, 0);
    assert.ok(available >= 4, `available pods fell to ${available}: ${JSON.stringify(plan.actions)}`);
    cluster.now += 1_000;
    cluster.observed();
  }
  assert.equal(current.status?.phase, "Paused", current.status?.message);
});

test("item 6: without a router, maxSurge and maxUnavailable bound every scale step, through the steps and the promotion", () => {
  const rollout = makeRollout(rolloutInput({ canary: { maxSurge: 1, maxUnavailable: 0, steps: [{ setWeight: 50 }, { pause: { duration: 10 } }] } }, "acme/web:1", 4));
  const cluster = new SimulatedCluster("web", [], false);
  let current = reconcileUntilSettled(rollout, cluster).rollout;
  current = withImage(current, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(current));
  cluster.readyAfterMs = 2_000;
  for (let i = 0; i < 200 && !(current.status?.phase === "Healthy" && current.status.stableRS === v2Hash); i++) {
    const plan = decide(current, cluster.observed(), new Date(cluster.now));
    cluster.apply(plan, current);
    current = { ...current, status: plan.status };
    const sets = [...cluster.replicaSets.values()];
    const total = sets.reduce((n, rs) => n + rs.replicas, 0);
    const available = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
    assert.ok(total <= 5, `surged to ${total} pods (maxSurge 1): ${JSON.stringify(plan.actions)}`);
    assert.ok(available >= 4, `available fell to ${available} (maxUnavailable 0)`);
    cluster.now += 1_000;
    cluster.observed();
  }
  assert.equal(current.status?.phase, "Healthy", current.status?.message);
  assert.equal(current.status?.stableRS, v2Hash);
});
