/**
 * A full canary gated by a provider.web metric, with the controller's own analysis runner: a smoke endpoint
 * that answers ok lets the canary through to Healthy; the same endpoint answering not ok aborts the next
 * revision at its analysis step, the reason naming the metric and the value.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { API_GROUP_VERSION } from "../../src/api/group.ts";
import { canaryRollout, startEnv, statusOf, type Env } from "../helpers/controller-env.ts";

let env: Env;
let server: Server;
let healthy = true;
before(async () => {
  server = createServer((req, res) => res.end(JSON.stringify({ checks: { smoke: healthy ? "pass" : "fail" }, version: req.url })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  env = await startEnv();
  // Nothing listens on port 1: the web metric must not need Prometheus at all.
  await env.startController({ analysis: { prometheusAddress: "http://127.0.0.1:1" } });
});
after(async () => {
  await env?.stop();
  await new Promise<void>((r) => server.close(() => r()));
});

test("a web metric gates a real canary: pass to Healthy, then a failing answer aborts the next revision", { timeout: 90_000 }, async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smoke?app={{args.app}}`;
  await env.kube.create({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name: "smoke", namespace: "default" },
    spec: {
      args: [{ name: "app" }],
      metrics: [{ name: "smoke", interval: "1s", count: 2, successCondition: "result == 'pass'", provider: { web: { url, jsonPath: "{$.checks.smoke}", timeoutSeconds: 2 } } }],
    },
  });
  await env.kube.create(canaryRollout("web", [{ setWeight: 50 }, { analysis: { templates: [{ templateName: "smoke" }], args: [{ name: "app", value: "web" }] } }]));
  const first = await env.waitForPhase("web", "Healthy");
  await env.setImage("web", "acme/web:2");
  const done = await env.waitForPhase("web", "Healthy", 45_000, (s) => s.stableRS !== undefined && s.stableRS !== first.stableRS);
  const runs = await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default");
  const passed = runs.find((r) => (r.status as { phase?: string } | undefined)?.phase === "Successful");
  assert.ok(passed, "the AnalysisRun passed");
  const values = ((passed.status as { metricResults: { measurements: { value?: string }[] }[] }).metricResults[0]?.measurements ?? []).map((m) => m.value);
  assert.deepEqual(values, ['"pass"', '"pass"']);
  assert.ok(done.stableRS);

  healthy = false;
  await env.setImage("web", "acme/web:3");
  const aborted = await env.waitFor("Aborted", async () => {
    const s = statusOf(await env.rollout("web"));
    return s.phase === "Aborted" ? s : undefined;
  }, 45_000);
  assert.match(aborted.message ?? "", /^aborted: analysis web-\w+-\d+ failed: metric "smoke" failed: 1 failed measurement\(s\), limit 0; last: "fail" does not meet success condition \(result == 'pass'\)$/);
});

test("several templates in one analysis step make one run with all their metrics (Argo's composition); a metric name in two of them is refused", { timeout: 90_000 }, async () => {
  healthy = true;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const template = (name: string, metric: string) => ({
    apiVersion: API_GROUP_VERSION,
    kind: "AnalysisTemplate",
    metadata: { name, namespace: "default" },
    spec: { metrics: [{ name: metric, count: 1, successCondition: "result == 'pass'", provider: { web: { url: `${url}/${name}`, jsonPath: "{$.checks.smoke}" } } }] },
  });
  await env.kube.create(template("smoke-a", "a"));
  await env.kube.create(template("smoke-b", "b"));
  await env.kube.create(template("smoke-a-again", "a"));
  const rollout = (name: string, templates: string[]) => canaryRollout(name, [{ setWeight: 50 }, { analysis: { templates: templates.map((templateName) => ({ templateName })) } }], 1);
  await env.kube.create(rollout("composed", ["smoke-a", "smoke-b"]));
  const first = await env.waitForPhase("composed", "Healthy");
  await env.setImage("composed", "acme/composed:2");
  await env.waitForPhase("composed", "Healthy", 45_000, (s) => s.stableRS !== first.stableRS);
  const runs = (await env.kube.list(API_GROUP_VERSION, "AnalysisRun", "default")).filter((r) => r.metadata.name.startsWith("composed-"));
  assert.equal(runs.length, 1, "one run for the step");
  assert.deepEqual((runs[0]?.spec as { metrics: { name: string }[] }).metrics.map((m) => m.name), ["a", "b"]);

  await env.kube.create(rollout("clash", ["smoke-a", "smoke-a-again"]));
  const invalid = await env.waitFor("InvalidSpec", async () => {
    const s = statusOf(await env.rollout("clash"));
    return s.conditions?.some((c) => c.type === "InvalidSpec" && c.status === "True") ? s : undefined;
  });
  assert.equal(invalid.message, 'invalid spec: spec.strategy.canary.steps[1].analysis.templates[1].templateName: metric "a" is defined by both smoke-a and smoke-a-again; the templates of one analysis make one run, so rename one of them');
});
