/** spec.analysis run history limits, decided purely: which finished runs of earlier revisions go. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runOutcome } from "../../src/core/analysis-history.ts";
import { decide } from "../../src/core/decide.ts";
import type { ObservedAnalysisRun } from "../../src/core/observed.ts";
import { podTemplateHash } from "../../src/core/pod-template-hash.ts";
import { templateOf } from "../../src/core/rollout-template.ts";
import { makeRollout, reconcileUntilSettled, rolloutInput, SimulatedCluster, withImage } from "./simulated-cluster.ts";

const analysisStep = { analysis: { templates: [{ templateName: "error-rate" }] } };

function withLimits(successful: number, unsuccessful: number) {
  const input = rolloutInput({ canary: { steps: [{ setWeight: 25 }, analysisStep] } });
  return makeRollout({ ...input, spec: { ...input.spec, analysis: { successfulRunHistoryLimit: successful, unsuccessfulRunHistoryLimit: unsuccessful } } });
}

test("Argo's classes: Successful is successful; Failed, Error, Inconclusive and a run stopped early are not; a running one is neither", () => {
  const run = (phase: ObservedAnalysisRun["phase"], terminated = false): ObservedAnalysisRun => ({ name: "r", phase, terminated });
  assert.equal(runOutcome(run("Successful")), "successful");
  for (const phase of ["Failed", "Error", "Inconclusive"] as const) assert.equal(runOutcome(run(phase)), "unsuccessful");
  assert.equal(runOutcome(run("Successful", true)), "unsuccessful");
  assert.equal(runOutcome(run("Running")), "unfinished");
  assert.equal(runOutcome(run(undefined)), "unfinished");
});

test("the defaults are 5 and 5", () => {
  assert.deepEqual(makeRollout(rolloutInput({ canary: {} })).spec.analysis, { successfulRunHistoryLimit: 5, unsuccessfulRunHistoryLimit: 5 });
});

test("several revisions with analysis: the oldest successful runs beyond the limit are deleted, the current revision's are kept", () => {
  const cluster = new SimulatedCluster("web", [], false);
  let rollout = reconcileUntilSettled(withLimits(1, 1), cluster).rollout;
  const hashes: string[] = [];
  for (const image of ["acme/web:2", "acme/web:3", "acme/web:4"]) {
    rollout = withImage(rollout, image);
    hashes.push(podTemplateHash(templateOf(rollout)));
    rollout = reconcileUntilSettled(rollout, cluster).rollout;
    assert.equal(rollout.status?.phase, "Healthy");
    cluster.now += 1000;
  }
  // Runs of v2 (oldest) deleted; v3's is the one successful kept; v4's is the current revision's.
  assert.deepEqual([...cluster.runs.keys()].sort(), [`web-${hashes[1]}-1`, `web-${hashes[2]}-1`].sort());
  assert.ok(cluster.log.some((a) => a.kind === "DeleteAnalysisRun" && a.name === `web-${hashes[0]}-1`));
});

test("failed runs count against their own limit; runs in use or still measuring are never deleted", () => {
  const cluster = new SimulatedCluster("web", [], false);
  const rollout = reconcileUntilSettled(withLimits(0, 0), cluster).rollout;
  const observed = cluster.observed();
  observed.analysisRuns = [
    { name: "web-old1-1", phase: "Failed", createdAt: "2026-11-23T09:00:00Z" },
    { name: "web-old2-1", phase: "Running", createdAt: "2026-11-23T09:01:00Z" },
    { name: "web-old3-bg", phase: "Successful", createdAt: "2026-11-23T09:02:00Z" },
  ];
  const named = { ...rollout, status: { ...rollout.status, canary: { currentBackgroundAnalysisRun: "web-old3-bg" } } };
  const deletes = decide(named, observed, new Date(cluster.now)).actions.filter((a) => a.kind === "DeleteAnalysisRun");
  assert.deepEqual(deletes, [{ kind: "DeleteAnalysisRun", name: "web-old1-1" }]);
});
