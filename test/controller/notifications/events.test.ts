/** The pure mapping from a reconcile's Event actions and status change to notifications. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RolloutStatus } from "../../../src/api/rollout.ts";
import { typedRollout } from "../../../src/cli/rollout-access.ts";
import type { Action, EventDetails } from "../../../src/core/plan.ts";
import { notificationsOf } from "../../../src/controller/notifications/events.ts";
import { canaryRollout } from "../../helpers/controller-env.ts";

const rollout = typedRollout(canaryRollout("web", [{ setWeight: 20 }, { pause: {} }]));
const status: RolloutStatus = { phase: "Progressing", currentPodHash: "abc123", currentStepIndex: 1, canary: { weights: { canary: 20, stable: 80 } } };
const event = (reason: string, message: string, details?: EventDetails): Action => ({ kind: "Event", type: "Normal", reason, message, ...(details ? { details } : {}) });

test("each Event reason maps to its notification event with the rollout, revision, 1-based step and weights", () => {
  const cases: [string, string][] = [
    ["RolloutPaused", "paused"],
    ["InconclusiveAnalysis", "paused"],
    ["RolloutPromoted", "promoted"],
  ];
  for (const [reason, expected] of cases) {
    const [n, ...rest] = notificationsOf(rollout, [event(reason, "why")], status, status);
    assert.equal(rest.length, 0, reason);
    assert.equal(n?.event, expected, reason);
    assert.deepEqual(n?.rollout, { namespace: "default", name: "web" });
    assert.equal(n?.revision, "abc123");
    assert.equal(n?.step, 2);
    assert.deepEqual(n?.weights, { canary: 20, stable: 80 });
  }
  assert.match(notificationsOf(rollout, [event("InconclusiveAnalysis", "analysis x is inconclusive")], status, status)[0]?.message ?? "", /^inconclusive analysis: /);
});

test("a StepCompleted, alone or joined into the next Event by decideThrough, is a step-completed numbered as the step it completed, read from the Event's details", () => {
  const alone = notificationsOf(rollout, [event("StepCompleted", "completed step 1/2 (set weight 20%)", { completedSteps: [{ step: 1, message: "completed step 1/2 (set weight 20%)" }], rest: "" })], status, status);
  assert.deepEqual(alone.map((n) => [n.event, n.step, n.message]), [["step-completed", 1, "completed step 1/2 (set weight 20%)"]]);
  const joined = notificationsOf(
    rollout,
    [event("RolloutPaused", "completed step 1/2 (set weight 20%); paused at step 2/2 (pause)", { completedSteps: [{ step: 1, message: "completed step 1/2 (set weight 20%)" }], rest: "paused at step 2/2 (pause)" })],
    status,
    status,
  );
  assert.deepEqual(joined.map((n) => [n.event, n.step, n.message]), [
    ["step-completed", 1, "completed step 1/2 (set weight 20%)"],
    ["paused", 2, "paused at step 2/2 (pause)"],
  ]);
  const promoted = notificationsOf(
    rollout,
    [
      event("RolloutPromoted", "skipped (promoted) step 2/3 (pause); skipped (promoted) step 3/3 (pause); revision abc is now stable (was def)", {
        completedSteps: [
          { step: 2, message: "skipped (promoted) step 2/3 (pause)" },
          { step: 3, message: "skipped (promoted) step 3/3 (pause)" },
        ],
        rest: "revision abc is now stable (was def)",
      }),
    ],
    status,
    status,
  );
  assert.deepEqual(promoted.map((n) => [n.event, n.step]), [["step-completed", 2], ["step-completed", 3], ["promoted", 2]]);
  assert.equal(promoted[2]?.message, "revision abc is now stable (was def)");
  // The message text is for people: a message that looks like a completed step is not parsed as one.
  assert.deepEqual(notificationsOf(rollout, [event("RolloutPaused", "completed step 1/2 (set weight 20%); paused at step 2/2 (pause)")], status, status).map((n) => n.event), ["paused"]);
});

test("reasons that concern nobody outside (scale-downs, routing problems; a revision starting, before any request reaches it) and non-Event actions notify nobody", () => {
  const actions: Action[] = [event("WorkloadScaledDown", "x"), event("TrafficRoutingProblem", "y"), event("NewRevision", "new revision abc"), event("RolloutRetried", "retrying"), { kind: "DeleteReplicaSet", name: "web-1" }];
  assert.deepEqual(notificationsOf(rollout, actions, status, status), []);
});

test("an abort by a failed analysis is analysis-failed (with the metrics from the Event's details); aborted is the phase becoming Aborted, once", () => {
  const message = `analysis web-abc-2 failed: metric "smoke" failed: 1 failed measurement(s), limit 0; last: "fail" does not meet success condition (result == 'pass'); sending all traffic back to stable`;
  const metrics = [{ metric: "smoke", value: `"fail"`, condition: "result == 'pass'" }];
  const abort: Action = { kind: "Event", type: "Warning", reason: "RolloutAborted", message, details: { failedAnalysis: { run: "web-abc-2", phase: "Failed", metrics } } };
  const [failed, aborted] = notificationsOf(rollout, [abort], status, { ...status, phase: "Aborted", message: "aborted: analysis failed" });
  assert.equal(failed?.event, "analysis-failed");
  assert.equal(failed?.message, message);
  assert.deepEqual(failed?.metrics, metrics);
  assert.equal(aborted?.event, "aborted");
  assert.equal(aborted?.message, "aborted: analysis failed");
  assert.equal(aborted?.metrics, undefined);
  // The Event a reconcile before the phase: analysis-failed then, aborted with the phase.
  assert.deepEqual(notificationsOf(rollout, [abort], status, status).map((n) => n.event), ["analysis-failed"]);
  // An abort without an analysis behind it (the Event has no failedAnalysis) is no analysis-failed, whatever its words.
  assert.deepEqual(notificationsOf(rollout, [{ ...abort, details: undefined }], status, status), []);
  const byUser = { ...status, phase: "Aborted" as const, message: "aborted by user" };
  assert.deepEqual(notificationsOf(rollout, [], status, byUser).map((n) => n.event), ["aborted"]);
  assert.deepEqual(notificationsOf(rollout, [], byUser, byUser), []);
});

test("completed is the status reaching Healthy from Progressing or Paused, not a first reconcile, a recovery from Degraded nor staying Healthy", () => {
  const healthy: RolloutStatus = { ...status, phase: "Healthy", message: "healthy" };
  assert.deepEqual(notificationsOf(rollout, [], status, healthy).map((n) => n.event), ["completed"]);
  assert.deepEqual(notificationsOf(rollout, [], { ...status, phase: "Paused" }, healthy).map((n) => n.event), ["completed"]);
  assert.deepEqual(notificationsOf(rollout, [], { ...status, phase: "Degraded" }, healthy), []);
  assert.deepEqual(notificationsOf(rollout, [], undefined, healthy), []);
  assert.deepEqual(notificationsOf(rollout, [], {}, healthy), []);
  assert.deepEqual(notificationsOf(rollout, [], healthy, healthy), []);
});
