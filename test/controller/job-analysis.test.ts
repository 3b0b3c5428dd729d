/**
 * A full canary gated by a provider.job metric, with the controller's own analysis runner and the sandbox's Job
 * controller: the check's process exiting 0 completes its Job and lets the canary through to Healthy; the same
 * check exiting 1 fails its Job and aborts the next revision back to stable, the reason naming the Job.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { canaryRollout, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";
import { assertRequestsAllowedByRbac } from "../helpers/rbac.ts";

let env: Env;
let controller: Awaited<ReturnType<Env["startController"]>>;
before(async () => {
  env = await startEnv();
  // Nothing listens on port 1: the job metric must not need Prometheus at all.
  controller = await env.startController({ analysis: { prometheusAddress: "http://127.0.0.1:1" } });
});
after(async () => env?.stop());

type Measurement = { phase: string; message?: string; metadata?: Record<string, string> };
type Run = { metricResults: { phase: string; count: number; measurements: Measurement[] }[] };

test("a job metric gates a real canary: its Job completing promotes it, its Job failing aborts the next revision to stable", { timeout: 120_000 }, async () => {
  // The check fails once this file exists: the same template passes one revision and fails the next.
  const broken = join(mkdtempSync(join(tmpdir(), "sluice-job-e2e-")), "broken");
  const script = `if (process.argv[1] !== "checkout") process.exit(2); process.exit(require("node:fs").existsSync(${JSON.stringify(broken)}) ? 1 : 0)`;
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "smoke-job", namespace: "default" },
    spec: {
      args: [{ name: "app" }],
      metrics: [{
        name: "smoke",
        provider: { job: { metadata: { labels: { team: "checkout" } }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "smoke", image: "node:22", command: [process.execPath, "-e", script, "{{args.app}}"] }] } } } } },
      }],
    },
  });
  await env.kube.create(canaryRollout("checkout", [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "smoke-job" }], args: [{ name: "app", value: "checkout" }] } }]));
  const first = await env.waitForPhase("checkout", "Healthy");
  await env.setImage("checkout", "acme/checkout:2");
  const promoted = await env.waitForPhase("checkout", "Healthy", 60_000, (s) => s.stableRS !== undefined && s.stableRS !== first.stableRS);
  const runs = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
  const passed = runs.find((r) => (r.status as { phase?: string } | undefined)?.phase === "Successful");
  assert.ok(passed, "the AnalysisRun passed");
  const result = (passed.status as Run).metricResults[0];
  assert.equal(result?.count, 1, "the Running look was not counted: one measurement, the settled one");
  assert.deepEqual(result?.measurements.map((m) => m.phase), ["Successful"]);
  const jobName = result?.measurements[0]?.metadata?.["jobName"];
  assert.equal(jobName, `${passed.metadata.name}-smoke-1`);
  const job = await env.kube.get({ apiVersion: "batch/v1", kind: "Job", namespace: "default", name: jobName ?? "" });
  assert.ok(job, "the Job is kept with its run");
  assert.deepEqual(job.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [["AnalysisRun", passed.metadata.name, passed.metadata.uid]]);
  assert.equal(job.metadata.labels?.["sluice.dev/analysis-run"], passed.metadata.name);
  assert.equal(job.metadata.labels?.["team"], "checkout");
  assert.ok(promoted.stableRS);

  writeFileSync(broken, "");
  await env.setImage("checkout", "acme/checkout:3");
  const aborted = await env.waitFor("Aborted", async () => {
    const s = statusOf(await env.rollout("checkout"));
    return s.phase === "Aborted" ? s : undefined;
  }, 60_000);
  assert.match(aborted.message ?? "", /^aborted: analysis checkout-\w+-\d+ failed: metric "smoke" failed: 1 failed measurement\(s\), limit 0; last: Job checkout-\w+-\d+-smoke-1 failed \(BackoffLimitExceeded\): Job has reached the specified backoff limit \(last pod: exit code 1\); 0 succeeded, 1 failed pod\(s\)$/);
  assert.equal(aborted.stableRS, promoted.stableRS, "back to the stable revision");
  await assertRequestsAllowedByRbac(controller.metrics);
});

test("a run terminated while its Job runs deletes the Job (and so its process) and settles the measurement Inconclusive", { timeout: 60_000 }, async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisRun",
    metadata: { name: "long-check", namespace: "default" },
    spec: { metrics: [{ name: "soak", provider: { job: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "soak", image: "node:22", command: [process.execPath, "-e", "setTimeout(() => {}, 60000)"] }] } } } } } }] },
  });
  const job = await env.waitFor("the Job running", async () => {
    const found = await env.kube.get({ apiVersion: "batch/v1", kind: "Job", namespace: "default", name: "long-check-soak-1" });
    return (found?.status as { active?: number } | undefined)?.active === 1 ? found : undefined;
  }, 20_000);
  assert.ok(job);
  const run = await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "long-check" });
  assert.equal(((run?.status as Run | undefined)?.metricResults[0])?.measurements.at(-1)?.phase, "Running");
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "long-check" }, { spec: { terminate: true } });
  await env.waitFor("the Job deleted", async () => ((await env.kube.get({ apiVersion: "batch/v1", kind: "Job", namespace: "default", name: "long-check-soak-1" })) ? undefined : true), 20_000);
  const settled = await env.waitFor("the run ended", async () => {
    const r = await env.kube.get({ apiVersion: API_GROUP_VERSION, kind: "AnalysisRun", namespace: "default", name: "long-check" });
    const status = r?.status as (Run & { phase?: string }) | undefined;
    return status?.phase === "Inconclusive" ? status : undefined;
  }, 20_000);
  assert.deepEqual(settled.metricResults[0]?.measurements.map((m) => [m.phase, m.message]), [["Inconclusive", "terminated: Job long-check-soak-1 deleted before it finished"]]);
  await assertRequestsAllowedByRbac(controller.metrics);
});
