import assert from "node:assert/strict";
import { test } from "node:test";
import { decide } from "../../src/core/decide.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { makeRollout, promote, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";
import type { Rollout } from "../../src/api/rollout.ts";
import { routerProblem } from "../../src/core/router-problem.ts";
import { templateOf } from "../../src/core/rollout-template.ts";

const routed = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  makeRollout(
    rolloutInput({
      canary: {
        stableService: "web-stable",
        canaryService: "web-canary",
        trafficRouting: { gatewayAPI: { httpRoute: "web" } },
        steps: steps as never,
        ...extra,
      },
    }),
  );

const analysisStep = { analysis: { templates: [{ templateName: "error-rate" }] } };

/** A rollout already Healthy on v1 in a simulated cluster with a router. */
function healthyOnV1(rollout: Rollout, withRouter = true) {
  const cluster = new SimulatedCluster("web", ["web-stable", "web-canary"], withRouter);
  const settled = reconcileUntilSettled(rollout, cluster);
  assert.equal(settled.rollout.status?.phase, "Healthy");
  return { cluster, rollout: settled.rollout };
}

test("first deployment goes straight to Healthy: one ReplicaSet, both Services pinned, no steps", () => {
  const rollout = routed([{ setWeight: 50 }, { pause: {} }]);
  const cluster = new SimulatedCluster("web", ["web-stable", "web-canary"], true);
  const { rollout: done } = reconcileUntilSettled(rollout, cluster);
  const hash = podTemplateHash(templateOf(rollout));
  assert.equal(done.status?.phase, "Healthy");
  assert.equal(done.status?.stableRS, hash);
  assert.equal(cluster.replicaSets.size, 1);
  assert.equal(cluster.replicaSets.get(hash)?.replicas, 4);
  assert.equal(cluster.services["web-stable"]?.podHash, hash);
  assert.equal(cluster.services["web-canary"]?.podHash, hash);
  assert.equal(cluster.routing?.canaryWeight, 0);
});

test("a canary with a router walks every step, pauses for promote, and ends Healthy on the new version", () => {
  const start = routed([{ setWeight: 20 }, { pause: { duration: "1m" } }, { setWeight: 50 }, { pause: {} }, { setWeight: 80 }]);
  const { cluster, rollout: v1 } = healthyOnV1(start);
  const v1Hash = v1.status?.stableRS;
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  cluster.readyAfterMs = 5_000;

  const paused = reconcileUntilSettled(v2, cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.equal(paused.rollout.status?.currentStepIndex, 3);
  assert.equal(paused.rollout.status?.message, "paused at step 4/5: waiting for promote");
  assert.equal(cluster.routing?.canaryWeight, 50);
  assert.equal(paused.rollout.status?.canary?.weights?.canary, 50);
  // Traffic only ever rose, and every weight the steps name was set.
  const weights = paused.trace.map((t) => t.weight ?? 0);
  assert.ok(weights.every((w, i) => i === 0 || w >= (weights[i - 1] ?? 0)), `weights went backwards: ${weights}`);
  assert.ok(weights.includes(20) && weights.includes(50));
  // With a router the stable keeps full size; the canary gets pods for its weight (ceil(4 * 50%) = 2).
  assert.equal(cluster.replicaSets.get(v1Hash ?? "")?.replicas, 4);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 2);
  assert.equal(cluster.services["web-canary"]?.podHash, v2Hash);
  assert.equal(cluster.services["web-stable"]?.podHash, v1Hash);

  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.stableRS, v2Hash);
  assert.equal(cluster.services["web-stable"]?.podHash, v2Hash);
  assert.equal(cluster.routing?.canaryWeight, 0, "router back to 100/0, on the new stable");
  // The old stable ran on for scaleDownDelaySeconds (30s) after the switch, then went to zero.
  assert.equal(cluster.replicaSets.get(v1Hash ?? "")?.replicas, 0);
  const reasons = cluster.events.map((e) => e.reason);
  assert.ok(reasons.includes("NewRevision") && reasons.includes("RolloutPaused") && reasons.includes("RolloutPromoted"));
  // The full-traffic switch happened before the stable Service moved.
  const routeTo100 = cluster.log.findIndex((a) => a.kind === "Route" && a.want.canaryWeight === 100);
  const stableMoved = cluster.log.findIndex((a) => a.kind === "PinService" && a.service === "web-stable" && a.podHash === v2Hash);
  assert.ok(routeTo100 >= 0 && stableMoved > routeTo100);
});

test("traffic is never routed to canary pods that are not ready", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 25 }, { pause: {} }]));
  cluster.readyAfterMs = 60_000;
  const v2 = withImage(v1, "acme/web:2");
  const first = decide(v2, cluster.observed(), new Date(cluster.now));
  assert.ok(first.actions.some((a) => a.kind === "CreateReplicaSet" && a.replicas === 1));
  assert.ok(!first.actions.some((a) => a.kind === "Route" && a.want.canaryWeight > 0));
  assert.equal(first.status.phase, "Progressing");
  assert.match(first.status.message ?? "", /^step 1\/2 \(set weight 25%\): waiting for canary pods: 0\/1 available$/);
});

test("a timed pause survives a restart: the pause start is in status and the wake-up is the remaining time", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 10 }, { pause: { duration: "10m" } }, { setWeight: 30 }]));
  const atPause = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster, { stopWhen: (r) => r.status?.phase === "Paused" });
  const startedAt = atPause.rollout.status?.pauseConditions?.[0]?.startTime;
  assert.ok(startedAt);
  // "Restart" 4 minutes later: a fresh decide from what is stored.
  cluster.now += 4 * 60_000;
  const later = decide(atPause.rollout, cluster.observed(), new Date(cluster.now));
  assert.equal(later.status.pauseConditions?.[0]?.startTime, startedAt, "the timer did not restart");
  assert.equal(later.requeueAfterMs, 6 * 60_000);
  assert.equal(later.status.currentStepIndex, 1);
  cluster.now += 6 * 60_000;
  const resumed = decide({ ...atPause.rollout, status: later.status }, cluster.observed(), new Date(cluster.now));
  assert.equal(resumed.status.currentStepIndex, 2);
  // The step change is written before anything is done for the next step (restart safety).
  assert.ok(!resumed.actions.some((a) => a.kind === "ScaleReplicaSet" || a.kind === "Route"));
  assert.equal(resumed.requeueAfterMs, 0);
  const next = decide({ ...atPause.rollout, status: resumed.status }, cluster.observed(), new Date(cluster.now));
  assert.ok(next.actions.some((a) => a.kind === "ScaleReplicaSet" || a.kind === "Route"));
});

test("a failing step analysis aborts: all traffic to stable first, canary scaled down after abortScaleDownDelaySeconds", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]));
  const failedMetrics = [{ metric: "error-rate", value: "0.061", condition: "max 0.01" }];
  cluster.script = () => ({ phase: "Failed", message: "metric error-rate failed 2 of 2: 0.061 > 0.01", afterMs: 30_000, failedMetrics });
  const v2 = withImage(v1, "acme/web:2");
  const v2Hash = podTemplateHash(templateOf(v2));
  const aborted = reconcileUntilSettled(v2, cluster);
  const status = aborted.rollout.status;
  assert.equal(status?.phase, "Aborted");
  assert.equal(status?.abort, true);
  assert.match(status?.message ?? "", /^aborted: analysis web-\w+-1 failed: metric error-rate failed 2 of 2: 0\.061 > 0\.01$/);
  assert.equal(cluster.routing?.canaryWeight, 0);
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 0);
  // Order: the Route back to 0% comes before any canary scale-down.
  const toStable = cluster.log.findIndex((a) => a.kind === "Route" && a.want.canaryWeight === 0 && cluster.log.indexOf(a) > 5);
  const scaledDown = cluster.log.findIndex((a) => a.kind === "ScaleReplicaSet" && a.replicas === 0);
  assert.ok(toStable >= 0 && scaledDown > toStable);
  const deadline = cluster.log.find((a) => a.kind === "SetScaleDownDeadline" && a.deadline !== null);
  assert.ok(deadline, "the canary waited abortScaleDownDelaySeconds");
  const abortEvent = cluster.events.find((e) => e.type === "Warning" && e.reason === "RolloutAborted");
  // The abort's Event carries the failure as data: the run and its failed metrics, as observed.
  assert.deepEqual(abortEvent?.details?.failedAnalysis, { run: [...cluster.runs.keys()][0], phase: "Failed", metrics: failedMetrics });
  assert.equal(cluster.runs.size, 1, "exactly one AnalysisRun");
});

test("an inconclusive analysis pauses with reason InconclusiveAnalysis; promote goes on", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }, analysisStep, { setWeight: 60 }]));
  cluster.script = () => ({ phase: "Inconclusive", message: "no data: query returned an empty vector" });
  const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(paused.rollout.status?.phase, "Paused");
  assert.deepEqual(paused.rollout.status?.pauseConditions?.map((p) => p.reason), ["InconclusiveAnalysis"]);
  assert.match(paused.rollout.status?.message ?? "", /analysis inconclusive \(no data: query returned an empty vector\); promote to go on or abort/);
  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
});

test("user abort mid-step, then retry runs the revision again with a fresh AnalysisRun", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 30 }, analysisStep, { pause: {} }]));
  cluster.script = () => ({ phase: "Successful", afterMs: 10_000 });
  const atPause = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(atPause.rollout.status?.phase, "Paused");
  const abortPatch = { ...atPause.rollout, status: { ...atPause.rollout.status, abort: true } };
  const plan = decide(abortPatch, cluster.observed(), new Date(cluster.now));
  assert.deepEqual(plan.actions[0], { kind: "Route", want: { canaryWeight: 0, headerRoutes: [], mirrorRoutes: [] } }, "abort routes to stable first");
  const aborted = reconcileUntilSettled(abortPatch, cluster);
  assert.equal(aborted.rollout.status?.phase, "Aborted");
  assert.equal(aborted.rollout.status?.message, "aborted by user; `sluice retry` runs this revision again");

  const retried = reconcileUntilSettled({ ...aborted.rollout, status: { ...aborted.rollout.status, abort: false } }, cluster);
  assert.equal(retried.rollout.status?.retryCount, 1);
  assert.equal(retried.rollout.status?.phase, "Paused");
  assert.equal(cluster.runs.size, 2, "the retry started its own AnalysisRun");
  assert.ok([...cluster.runs.keys()].some((n) => n.includes("-r1-")));
});

test("promote at an analysis step skips it (the run is stopped); promoteFull skips to the end", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 10 }, analysisStep, { setWeight: 40 }, { pause: {} }, { setWeight: 70 }]));
  cluster.script = () => ({ phase: "Successful", afterMs: 3_600_000 });
  const running = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster, { stopWhen: (r) => r.status?.message?.includes("running") ?? false });
  assert.equal(running.rollout.status?.currentStepIndex, 1);
  const skip = { ...running.rollout, status: { ...running.rollout.status, currentStepIndex: 2 } };
  const skipped = reconcileUntilSettled(skip, cluster);
  assert.equal(skipped.rollout.status?.currentStepIndex, 3);
  assert.ok(cluster.log.some((a) => a.kind === "StopAnalysis"), "the skipped step's AnalysisRun was stopped");
  const full = reconcileUntilSettled({ ...skipped.rollout, status: { ...skipped.rollout.status, promoteFull: true } }, cluster);
  assert.equal(full.rollout.status?.phase, "Healthy");
  assert.equal(full.rollout.status?.promoteFull, undefined);
  assert.ok(!full.trace.some((t) => t.weight === 70), "the remaining setWeight was skipped");
});

test("a template change mid-rollout starts over with the newest revision; the intermediate one goes once traffic has left it", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 40 }, { pause: {} }, { setWeight: 80 }]));
  const v2 = withImage(v1, "acme/web:2");
  const atPause = reconcileUntilSettled(v2, cluster);
  assert.equal(cluster.routing?.canaryWeight, 40);
  const v3 = { ...withImage(v2, "acme/web:3"), status: atPause.rollout.status };
  const v2Hash = podTemplateHash(templateOf(v2));
  const v3Hash = podTemplateHash(templateOf(v3));
  const first = decide(v3, cluster.observed(), new Date(cluster.now));
  assert.equal(first.status.currentStepIndex, 0);
  assert.equal(first.status.currentPodHash, v3Hash);
  assert.ok(first.actions.some((a) => a.kind === "Route" && a.want.canaryWeight === 0), "weight back to 0 first");
  assert.ok(!first.actions.some((a) => a.kind === "PinService" && a.service === "web-canary"), "the canary Service moves to v3 only once the router reads back 0%");
  assert.ok(!first.actions.some((a) => a.kind === "ScaleReplicaSet" && a.name === `web-${v2Hash}`), "v2 keeps its pods while it has traffic");
  const next = reconcileUntilSettled(v3, cluster);
  assert.equal(next.rollout.status?.phase, "Paused");
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 0);
  assert.equal(cluster.services["web-canary"]?.podHash, v3Hash);
});

test("changing the template back to the stable one returns to stable at once, without steps", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 40 }, { pause: {} }]));
  const atPause = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  const back: Rollout = { ...v1, metadata: { ...v1.metadata, generation: 3 }, status: atPause.rollout.status };
  const done = reconcileUntilSettled(back, cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(cluster.routing?.canaryWeight, 0);
  assert.equal(done.rollout.status?.pauseConditions, undefined);
});

test("without a router the weight is the share of pods, and status reports the weight achieved", () => {
  const rollout = makeRollout(rolloutInput({ canary: { steps: [{ setWeight: 10 }, { pause: {} }] } }));
  const { cluster, rollout: v1 } = healthyOnV1(rollout, false);
  const paused = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  const v2Hash = podTemplateHash(templateOf(withImage(v1, "acme/web:2")));
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 1);
  assert.equal(cluster.replicaSets.get(v1.status?.stableRS ?? "")?.replicas, 3);
  assert.equal(paused.rollout.status?.canary?.weights?.canary, 25, "with 4 replicas, 10% is 1 pod = 25%");
  const done = reconcileUntilSettled(promote(paused.rollout), cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(cluster.replicaSets.get(v2Hash)?.replicas, 4);
  assert.equal(cluster.replicaSets.get(v1.status?.stableRS ?? "")?.replicas, 0);
});

test("spec.paused holds the rollout where it is; resuming continues", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }, { setWeight: 60 }]));
  const v2 = withImage(v1, "acme/web:2");
  const paused = { ...v2, spec: { ...v2.spec, paused: true } };
  const plan = decide(paused, cluster.observed(), new Date(cluster.now));
  assert.equal(plan.status.phase, "Paused");
  assert.ok(plan.actions.every((a) => a.kind === "Event"), "nothing is touched while paused");
  assert.deepEqual(plan.status.pauseConditions?.map((p) => p.reason), ["UserPause"]);
  const done = reconcileUntilSettled({ ...v2, status: plan.status }, cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.pauseConditions, undefined);
});

test("background analysis from startingStep: its failure aborts wherever the rollout is", () => {
  const bg = { templates: [{ templateName: "error-rate" }], startingStep: 1 };
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 10 }, { setWeight: 20 }, { pause: { duration: "5m" } }, { setWeight: 50 }], { analysis: bg }));
  cluster.script = (_name, role) => (role === "background" ? { phase: "Failed", message: "error rate 0.2", afterMs: 60_000 } : { phase: "Successful" });
  const done = reconcileUntilSettled(withImage(v1, "acme/web:2"), cluster);
  assert.equal(done.rollout.status?.phase, "Aborted");
  assert.match(done.rollout.status?.message ?? "", /^aborted: analysis web-\w+-bg failed: error rate 0\.2$/);
  const started = cluster.log.find((a) => a.kind === "StartAnalysis");
  assert.equal(started?.kind === "StartAnalysis" ? started.role : "", "background");
  assert.equal(cluster.routing?.canaryWeight, 0);
});

test("a router problem is a condition and an Event; the rollout waits and traffic stays where it was", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }, { pause: {} }]));
  cluster.routerProblem = routerProblem("RouteNotFound", "HTTPRoute shop/web not found; create it or fix trafficRouting.gatewayAPI.httpRoute");
  const plan = decide(withImage(v1, "acme/web:2"), cluster.observed(), new Date(cluster.now));
  assert.ok(!plan.actions.some((a) => a.kind === "Route"));
  const condition = plan.status.conditions?.find((c) => c.type === "TrafficRouting");
  assert.equal(condition?.status, "False");
  assert.equal(condition?.reason, "RouteNotFound");
  assert.ok(plan.actions.some((a) => a.kind === "Event" && a.type === "Warning" && a.reason === "TrafficRoutingProblem"));
  assert.equal(plan.requeueAfterMs, 15_000);
  // Fixed: the rollout goes on.
  cluster.routerProblem = undefined;
  const done = reconcileUntilSettled({ ...withImage(v1, "acme/web:2"), status: plan.status }, cluster);
  assert.equal(done.rollout.status?.phase, "Paused");
  assert.equal(done.rollout.status?.conditions?.find((c) => c.type === "TrafficRouting")?.status, "True");
});

test("a missing referenced Service is InvalidSpec: Degraded, one Warning event, nothing touched; fixing it resumes", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }]));
  cluster.missingReferences = [{ path: "spec.strategy.canary.canaryService", message: 'Service "web-canary" not found' }];
  const plan = decide(withImage(v1, "acme/web:2"), cluster.observed(), new Date(cluster.now));
  assert.deepEqual(plan.actions.map((a) => a.kind), ["Event"]);
  assert.equal(plan.status.phase, "Degraded");
  assert.equal(plan.status.message, 'invalid spec: spec.strategy.canary.canaryService: Service "web-canary" not found');
  const again = decide({ ...withImage(v1, "acme/web:2"), status: plan.status }, cluster.observed(), new Date(cluster.now + 1000));
  assert.deepEqual(again.actions, [], "no repeated event for the same problem");
  cluster.missingReferences = [];
  const done = reconcileUntilSettled({ ...withImage(v1, "acme/web:2"), status: plan.status }, cluster);
  assert.equal(done.rollout.status?.phase, "Healthy");
  assert.equal(done.rollout.status?.conditions?.find((c) => c.type === "InvalidSpec")?.status, "False");
});

test("progress deadline: stuck pods are reported (Degraded), and abort with progressDeadlineAbort", () => {
  const base = routed([{ setWeight: 20 }, { pause: {} }]);
  const { cluster, rollout: v1 } = healthyOnV1(base);
  cluster.readyAfterMs = 24 * 3_600_000; // pods that never become ready
  const v2 = withImage(v1, "acme/web:2");
  const stuck = reconcileUntilSettled(v2, cluster, { stopWhen: (r) => r.status?.phase === "Degraded" });
  assert.match(stuck.rollout.status?.message ?? "", /^no progress for 600s: step 1\/2/);
  assert.ok(cluster.events.some((e) => e.reason === "ProgressDeadlineExceeded"));
  const withAbort = { ...v2, spec: { ...v2.spec, progressDeadlineAbort: true }, status: stuck.rollout.status };
  const aborted = reconcileUntilSettled(withAbort, cluster, { stopWhen: (r) => r.status?.phase === "Aborted" });
  assert.equal(aborted.rollout.status?.abort, true);
});

test("decide is deterministic: the same inputs give the same plan", () => {
  const { cluster, rollout: v1 } = healthyOnV1(routed([{ setWeight: 20 }, analysisStep, { pause: { duration: "1m" } }]));
  const v2 = withImage(v1, "acme/web:2");
  const observed = cluster.observed();
  const now = new Date(cluster.now);
  assert.deepEqual(decide(v2, observed, now), decide(structuredClone(v2), structuredClone(observed), new Date(now)));
});

test("revisionHistoryLimit: old ReplicaSets are kept at zero replicas, the oldest beyond the limit deleted", () => {
  const base = makeRollout({ ...rolloutInput({ canary: {} }), spec: { ...rolloutInput({ canary: {} }).spec, revisionHistoryLimit: 2 } });
  const cluster = new SimulatedCluster("web", [], false);
  let current = reconcileUntilSettled(base, cluster).rollout;
  for (const image of ["acme/web:2", "acme/web:3", "acme/web:4", "acme/web:5"]) current = reconcileUntilSettled(withImage(current, image), cluster).rollout;
  const sets = [...cluster.replicaSets.values()].sort((a, b) => a.revision - b.revision);
  assert.deepEqual(sets.map((rs) => rs.revision), [3, 4, 5], "the current one and two idle ones");
  assert.deepEqual(sets.map((rs) => rs.replicas), [0, 0, 4]);
  assert.equal(cluster.log.filter((a) => a.kind === "DeleteReplicaSet").length, 2);
});

test("a pause right after a completed step is entered in the same pass, and so is the step after it, status first: one status each, no 'starting'", () => {
  const start = routed([{ setWeight: 20 }, { pause: { duration: "1m" } }, { setWeight: 50 }]);
  const { cluster, rollout } = healthyOnV1(start);
  const { trace } = reconcileUntilSettled(withImage(rollout, "acme/web:2"), cluster);
  const messages = trace.map((t) => t.message ?? "");
  assert.ok(!messages.some((m) => /step 2\/3 \(pause 1m\): starting/.test(m)), messages.join("\n"));
  const paused = messages.findIndex((m) => m.startsWith("paused at step 2/3"));
  assert.ok(paused > 0, messages.join("\n"));
  assert.match(messages[paused - 1] ?? "", /^step 1\/3/, "the status before the pause is step 1's");
  // The step after a pause acts on the cluster (weights): in the same pass as the pause's end, but its status,
  // the first to name step 3, is written before it acts.
  const step3 = trace.find((t) => t.step === 2);
  assert.equal(step3?.statusFirst, true, messages.join("\n"));
  assert.ok(!messages.some((m) => /: starting$/.test(m)), messages.join("\n"));
});
