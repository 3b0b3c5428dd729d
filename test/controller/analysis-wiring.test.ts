/**
 * The controller runs AnalysisRuns itself: a canary whose analysis cannot reach Prometheus gets errors, never
 * a pass; past consecutiveErrorLimit the run fails and the rollout aborts saying why.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { startEnv, statusOf, type Env } from "../helpers/controller-env.ts";

let env: Env;
before(async () => {
  env = await startEnv();
  // Nothing listens on port 1: every query fails to connect.
  await env.startController({ analysis: { prometheusAddress: "http://127.0.0.1:1" } });
});
after(async () => env?.stop());

test("an unreachable Prometheus is never a pass: past consecutiveErrorLimit the run fails and the canary aborts with the reason", { timeout: 60_000 }, async () => {
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "errors", namespace: "default" },
    spec: {
      metrics: [
        { name: "error-rate", interval: "1s", count: 5, consecutiveErrorLimit: 2, successCondition: { max: 0.01 }, provider: { prometheus: { query: "vector(0)", timeout: "2s" } } },
      ],
    },
  });
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "api", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "api" } },
      template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "app", image: "acme/api:1" }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "errors" }] } }] } },
    },
  });
  await env.waitFor("Healthy", async () => (statusOf(await env.rollout("api")).phase === "Healthy" ? true : undefined));
  await env.kube.mergePatch({ apiVersion: API_GROUP_VERSION, kind: "Rollout", namespace: "default", name: "api" }, { spec: { template: { spec: { containers: [{ name: "app", image: "acme/api:2" }] } } } });
  const aborted = await env.waitFor("Aborted", async () => {
    const s = statusOf(await env.rollout("api"));
    return s.phase === "Aborted" ? s : undefined;
  }, 45_000);
  assert.match(aborted.message ?? "", /^aborted: analysis api-\w+-1 failed: metric "error-rate" failed: \d+ consecutive errors, limit 2; last: Prometheus unreachable/);
  const runs = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
  assert.equal(runs.length, 1);
  const run = runs[0]?.status as { phase?: string; metricResults?: { error?: number; successful?: number }[] };
  assert.equal(run.phase, "Failed");
  assert.equal(run.metricResults?.[0]?.successful ?? 0, 0, "no measurement passed");
  assert.ok((run.metricResults?.[0]?.error ?? 0) >= 2);
});

test("an AnalysisTemplate the API server accepted but sluice cannot evaluate is reported on the Rollout with the template's field, not as missing", { timeout: 60_000 }, async () => {
  // The CRD keeps a condition as free-form (a structural schema cannot say "string or object"), so only sluice
  // sees that this expression uses result both as a list and as a number.
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "mixed", namespace: "default" },
    spec: { metrics: [{ name: "success-rate", interval: "1s", successCondition: "result[0] >= 0.95 && result <= 1.0", provider: { prometheus: { query: "vector(1)" } } }] },
  });
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "Rollout",
    metadata: { name: "mixed", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "mixed" } },
      template: { metadata: { labels: { app: "mixed" } }, spec: { containers: [{ name: "app", image: "acme/mixed:1" }] } },
      strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "mixed" }] } }] } },
    },
  });
  const status = await env.waitFor("InvalidSpec", async () => {
    const s = statusOf(await env.rollout("mixed"));
    return s.conditions?.find((c) => c.type === "InvalidSpec" && c.status === "True") ? s : undefined;
  });
  assert.equal(
    status.message,
    'invalid spec: spec.strategy.canary.steps[1].analysis.templates[0].templateName: AnalysisTemplate "mixed" is invalid: spec.metrics[0].successCondition: uses result both as a list (result[0], size(result)) and as a number (result); write one form, e.g. "result[0] >= 0.95" or "result >= 0.95"; fix the template (sluice lint shows every problem)',
  );
  const events = await env.kube.list("v1", "Event", "default");
  assert.ok(events.some((e) => String((e as { message?: string }).message ?? "").includes('AnalysisTemplate "mixed" is invalid: spec.metrics[0].successCondition')), "an Event says it too");
});
