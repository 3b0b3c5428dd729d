/**
 * spec.analysis run history limits end to end: several revisions, each gated by a step analysis (played by the
 * test), against the sandbox API server with the controller. Finished runs of earlier revisions beyond the
 * limits are deleted, oldest first; the runs of the revision under way stay.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import type { RunningController } from "../../src/controller/controller.ts";
import { canaryRollout, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";

let env: Env;
let controller: RunningController;
before(async () => {
  env = await startEnv();
  controller = await env.startController();
});
after(async () => env?.stop());

const runNames = async (): Promise<string[]> => (await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default", "sluice.dev/rollout=hist")).map((r) => r.metadata.name).sort();

/** Set a new image and settle its step analysis with `phase`; returns the run's name. */
async function revision(image: string, phase: "Successful" | "Failed"): Promise<string> {
  const before = statusOf(await env.rollout("hist")).currentPodHash;
  await env.setImage("hist", image);
  // The new revision's run: until its status is written, the status still names the last one's.
  const name = await env.waitFor(`the step run of ${image}`, async () => {
    const s = statusOf(await env.rollout("hist"));
    return s.currentPodHash && s.currentPodHash !== before && s.canary?.currentStepAnalysisRun?.includes(s.currentPodHash) ? s.canary.currentStepAnalysisRun : undefined;
  });
  const run = await env.waitFor(`run ${name}`, () => env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name }));
  await env.kube.replaceStatus({ ...run, status: { phase, message: phase === "Failed" ? "metric errors failed" : "passed" } }, "analysisruns");
  await env.waitForPhase("hist", phase === "Successful" ? "Healthy" : "Aborted", 15_000, (s) => s.currentPodHash !== undefined && name.includes(s.currentPodHash));
  return name;
}

test("several revisions with analysis: finished runs beyond successfulRunHistoryLimit / unsuccessfulRunHistoryLimit are deleted, oldest first", { timeout: 90_000 }, async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "errors", namespace: "default" },
    spec: { metrics: [{ name: "errors", successCondition: { max: 0.01 }, provider: { prometheus: { query: "vector(0)" } } }] },
  });
  const manifest = canaryRollout("hist", [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "errors" }] } }]);
  const spec = manifest.spec as Record<string, unknown>;
  await env.kube.create({ ...manifest, spec: { ...spec, analysis: { successfulRunHistoryLimit: 1, unsuccessfulRunHistoryLimit: 1 } } });
  await env.waitForPhase("hist", "Healthy");

  const v2 = await revision("acme/hist:2", "Successful");
  const v3 = await revision("acme/hist:3", "Successful");
  const v4 = await revision("acme/hist:4", "Successful");
  // v4's run is the current revision's; of the older successful ones only the newest (v3) is kept.
  await env.waitFor("v2's run deleted", async () => ((await runNames()).includes(v2) ? undefined : true));
  assert.deepEqual(await runNames(), [v3, v4].sort());

  const v5 = await revision("acme/hist:5", "Failed");
  const v6 = await revision("acme/hist:6", "Failed");
  // Now v4 is the one successful kept (v3 goes), v5 the one unsuccessful kept; v6's is the current revision's.
  await env.waitFor("v3's run deleted", async () => ((await runNames()).includes(v3) ? undefined : true));
  assert.deepEqual(await runNames(), [v4, v5, v6].sort());
  await env.setImage("hist", "acme/hist:7");
  // v7's run is going (never deleted); v6 is now the newest unsuccessful of an earlier revision, so v5 goes.
  await env.waitFor("v5's run deleted", async () => ((await runNames()).includes(v5) ? undefined : true));
  const left = await runNames();
  assert.ok(left.includes(v4) && left.includes(v6), `kept: ${left.join(", ")}`);
  assert.ok(!left.includes(v2) && !left.includes(v3));
});

test("deleting AnalysisRuns is allowed by the controller's ClusterRole", () => {
  assertRequestsAllowedByRbac(controller.metrics);
});
