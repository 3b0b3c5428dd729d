/** `sluice import`: every fixture translates, the output lints clean, and what is lost is said and exits 1. */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { effectiveSteps } from "../../src/api/canary-steps.ts";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import type { CanaryStrategy } from "../../src/api/rollout.ts";
import { translateCondition } from "../../src/cli/import/argo-conditions.ts";
import { importDocuments, joinDocuments } from "../../src/cli/import/import-documents.ts";
import { lintDocuments } from "../../src/cli/lint/lint-manifests.ts";
import { REPO_ROOT, runCli } from "../helpers/run-cli.ts";

const FIXTURES = join("test", "fixtures", "import");
const fixtureFiles = ["argo", "flagger"].flatMap((dir) => readdirSync(join(REPO_ROOT, FIXTURES, dir)).map((f) => join(FIXTURES, dir, f)));

function expectedDrops(file: string): string[] {
  const first = readFileSync(join(REPO_ROOT, file), "utf8").split("\n")[0] ?? "";
  const match = /^# expect-not-translated:(.*)$/.exec(first);
  assert.ok(match, `${file} must start with "# expect-not-translated: path, ..."`);
  return (match[1] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "").sort();
}

const droppedPaths = (text: string) => [...text.matchAll(/^#   NOT TRANSLATED: ([^:]+):/gm)].map((m) => m[1] ?? "").sort();

test("each fixture: exactly the expected fields are reported as not translated", () => {
  assert.ok(fixtureFiles.length >= 7);
  for (const file of fixtureFiles) {
    const imported = importDocuments(splitManifest(file, readFileSync(join(REPO_ROOT, file), "utf8")));
    const text = joinDocuments(imported);
    assert.deepEqual(droppedPaths(text), expectedDrops(file), file);
    assert.equal(imported.reduce((n, d) => n + d.dropped, 0), expectedDrops(file).length, file);
  }
});

test("the whole fixture directory imports into manifests that pass lint, one sluice object per translatable source", () => {
  const result = runCli(["import", FIXTURES]);
  assert.equal(result.code, 1, "some fixtures hold things sluice cannot do");
  assert.match(result.stderr, /^22 document\(s\) imported, 7 thing\(s\) not translated \(see the NOT TRANSLATED comments\)\n$/);
  const docs = splitManifest("imported.yaml", result.stdout);
  const lint = lintDocuments(docs);
  assert.deepEqual(lint.findings, []);
  const names = lint.valid.map((v) => `${v.object.kind} ${v.object.value.metadata.name}`).sort();
  assert.deepEqual(names, [
    "AnalysisTemplate frontend-analysis",
    "AnalysisTemplate podinfo-analysis",
    "AnalysisTemplate podinfo-analysis",
    "AnalysisTemplate podinfo-analysis",
    "AnalysisTemplate success-rate",
    "ClusterAnalysisTemplate smoke-errors",
    "Rollout billing",
    "Rollout catalog",
    "Rollout checkout",
    "Rollout frontend",
    "Rollout guestbook",
    "Rollout podinfo",
    "Rollout podinfo",
    "Rollout podinfo",
    "Rollout search",
  ]);
  // Nothing of Argo's or Flagger's is left in the output.
  assert.doesNotMatch(result.stdout, /^apiVersion: (argoproj\.io|flagger\.app)/m);
});

test("Argo's minReadySeconds and dynamicStableScale (with a router) translate as they are; dynamicStableScale without one is reported", () => {
  const file = join(FIXTURES, "argo", "rollout-istio-analysis.yaml");
  const lint = lintDocuments(splitManifest("out.yaml", joinDocuments(importDocuments(splitManifest(file, readFileSync(join(REPO_ROOT, file), "utf8"))))));
  assert.deepEqual(lint.findings, []);
  const rollout = lint.valid.find((v) => v.object.kind === "Rollout")?.object.value as { spec: { minReadySeconds: number; strategy: { canary: CanaryStrategy } } };
  assert.equal(rollout.spec.minReadySeconds, 10);
  assert.equal(rollout.spec.strategy.canary.dynamicStableScale, true);
  const unrouted = join(FIXTURES, "argo", "rollout-unsupported.yaml");
  const text = joinDocuments(importDocuments(splitManifest(unrouted, readFileSync(join(REPO_ROOT, unrouted), "utf8"))));
  assert.match(text, /NOT TRANSLATED: spec\.strategy\.canary\.dynamicStableScale: only applies with trafficRouting/);
});

test("a Flagger canary with stepWeight 10, maxWeight 50 becomes the same steps; threshold 5 = four failures tolerated", () => {
  const file = join(FIXTURES, "flagger", "podinfo-istio.yaml");
  const out = joinDocuments(importDocuments(splitManifest(file, readFileSync(join(REPO_ROOT, file), "utf8"))));
  const lint = lintDocuments(splitManifest("out.yaml", out));
  assert.deepEqual(lint.findings, []);
  const rollout = lint.valid.find((v) => v.object.kind === "Rollout")?.object.value as { spec: { strategy: { canary: CanaryStrategy } } };
  const steps = effectiveSteps(rollout.spec.strategy.canary);
  const expected = [10, 20, 30, 40, 50].flatMap((w) => [{ setWeight: w }, { pause: { duration: "1m" } }]);
  assert.deepEqual(steps, expected);
  assert.deepEqual(rollout.spec.strategy.canary.trafficRouting, { istio: { virtualService: { name: "podinfo", routes: ["primary"] } } });
  const template = lint.valid.find((v) => v.object.kind === "AnalysisTemplate")?.object.value as { spec: { metrics: { name: string; failureLimit: number; successCondition: unknown; provider: { prometheus: { query: string } } }[] } };
  assert.deepEqual(template.spec.metrics.map((m) => [m.name, m.failureLimit, m.successCondition]), [
    ["webhook-load-test", 4, "result >= 200 && result < 300"],
    ["request-success-rate", 4, { min: 99 }],
    ["request-duration", 4, { max: 500 }],
    ["404s-percentage", 4, { max: 5 }],
  ]);
  // Flagger's template variables are filled in for this Canary.
  const custom = template.spec.metrics[3]?.provider.prometheus.query ?? "";
  assert.match(custom, /destination_workload_namespace="test",destination_workload="podinfo"/);
  assert.match(custom, /\[1m\]/);
  assert.doesNotMatch(custom, /\{\{/);
});

test("explicit Flagger stepWeights become one setWeight and pause each", () => {
  const file = join(FIXTURES, "flagger", "podinfo-nginx.yaml");
  const lint = lintDocuments(splitManifest("out.yaml", joinDocuments(importDocuments(splitManifest(file, readFileSync(join(REPO_ROOT, file), "utf8"))))));
  const rollout = lint.valid.find((v) => v.object.kind === "Rollout")?.object.value as { spec: { strategy: { canary: CanaryStrategy } } };
  assert.deepEqual(effectiveSteps(rollout.spec.strategy.canary), [5, 10, 25, 50].flatMap((w) => [{ setWeight: w }, { pause: { duration: "2m" } }]));
  assert.deepEqual(rollout.spec.strategy.canary.trafficRouting, { nginx: { stableIngress: "podinfo", annotationPrefix: "nginx.ingress.kubernetes.io" } });
});

test("a Flagger blue/green (iterations) becomes a blue-green Rollout whose pre-promotion analysis measures `iterations` times", () => {
  const file = join(FIXTURES, "flagger", "podinfo-blue-green.yaml");
  const lint = lintDocuments(splitManifest("out.yaml", joinDocuments(importDocuments(splitManifest(file, readFileSync(join(REPO_ROOT, file), "utf8"))))));
  assert.deepEqual(lint.findings, []);
  const rollout = lint.valid.find((v) => v.object.kind === "Rollout")?.object.value as { spec: { strategy: { blueGreen?: Record<string, unknown> } } };
  assert.deepEqual(rollout.spec.strategy.blueGreen?.prePromotionAnalysis, { templates: [{ templateName: "podinfo-analysis", clusterScope: false }] });
  assert.equal(rollout.spec.strategy.blueGreen?.previewService, "podinfo-canary");
  const metrics = (lint.valid.find((v) => v.object.kind === "AnalysisTemplate")?.object.value as { spec: { metrics: { name: string; count?: number; failureLimit: number }[] } }).spec.metrics;
  const metric = metrics.find((m) => m.name === "error-rate");
  assert.equal(metric?.count, 10);
  assert.equal(metric?.failureLimit, 1);
  // The pre-rollout acceptance test is called once, before the checks, in the same pre-promotion analysis.
  assert.deepEqual(metrics.map((m) => [m.name, m.count]), [["webhook-acceptance-test", 1], ["error-rate", 10]]);
});

/** The Rollout imported from Flagger YAML (a Deployment and a Canary), after lint. */
function importedRollout(yaml: string): { spec: { strategy: { canary?: CanaryStrategy; blueGreen?: Record<string, unknown> } } } {
  const lint = lintDocuments(splitManifest("out.yaml", joinDocuments(importDocuments(splitManifest("in.yaml", yaml)))));
  assert.deepEqual(lint.findings, []);
  const rollout = lint.valid.find((v) => v.object.kind === "Rollout")?.object.value;
  assert.ok(rollout);
  return rollout as { spec: { strategy: { canary?: CanaryStrategy; blueGreen?: Record<string, unknown> } } };
}

const flaggerCanary = (analysis: string, provider = "istio") => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: t }
spec:
  selector: { matchLabels: { app: web } }
  template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: web, image: "web:2" }] } }
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: web, namespace: t }
spec:
  provider: ${provider}
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  service: { port: 80 }
  analysis:
${analysis}`;

test("a Flagger A/B test becomes header routes (one per match entry) held for iterations × interval; gates become pauses", () => {
  const file = join(FIXTURES, "flagger", "frontend-ab-test.yaml");
  const rollout = importedRollout(readFileSync(join(REPO_ROOT, file), "utf8"));
  assert.deepEqual(rollout.spec.strategy.canary?.steps, [
    { pause: {} },
    { setCanaryScale: { weight: 100 } },
    { setHeaderRoute: { name: "ab-test-0", match: [{ headerName: "user-agent", headerValue: { regex: ".*Firefox.*" } }] } },
    { setHeaderRoute: { name: "ab-test-1", match: [{ headerName: "cookie", headerValue: { regex: "^(.*?;)?(type=insider)(;.*)?$" } }] } },
    { pause: { duration: "10m" } },
    { pause: {} },
  ]);
  assert.ok(rollout.spec.strategy.canary?.trafficRouting?.istio);
});

test("Flagger gates: confirm-traffic-increase pauses before every weight; confirm-promotion in blue-green waits for promote", () => {
  const canary = importedRollout(
    flaggerCanary(`    interval: 30s
    stepWeight: 25
    maxWeight: 50
    webhooks:
      - { name: gate, type: confirm-traffic-increase, url: "http://gate/" }`),
  );
  assert.deepEqual(canary.spec.strategy.canary?.steps, [{ pause: {} }, { setWeight: 25 }, { pause: { duration: "30s" } }, { pause: {} }, { setWeight: 50 }, { pause: { duration: "30s" } }]);
  const bothGates = importedRollout(
    flaggerCanary(`    interval: 30s
    stepWeight: 50
    maxWeight: 50
    webhooks:
      - { name: start, type: confirm-rollout, url: "http://gate/" }
      - { name: gate, type: confirm-traffic-increase, url: "http://gate/" }`),
  );
  assert.deepEqual(bothGates.spec.strategy.canary?.steps, [{ pause: {} }, { setWeight: 50 }, { pause: { duration: "30s" } }], "one wait before the first weight, not two");
  const blueGreen = importedRollout(
    flaggerCanary(
      `    interval: 1m
    iterations: 3
    webhooks:
      - { name: gate, type: confirm-promotion, url: "http://gate/" }`,
      "kubernetes",
    ),
  );
  assert.equal(blueGreen.spec.strategy.blueGreen?.autoPromotionEnabled, false);
});

test("Flagger check webhooks: pre-rollout after the start gate and before any weight; background checks start where traffic does", () => {
  const rollout = importedRollout(
    flaggerCanary(`    interval: 30s
    threshold: 3
    stepWeight: 50
    maxWeight: 50
    webhooks:
      - { name: start, type: confirm-rollout, url: "http://gate/" }
      - { name: smoke, type: pre-rollout, url: "http://tester/", timeout: 90s }
      - { name: load, type: rollout, url: "http://tester/" }`),
  );
  assert.deepEqual(rollout.spec.strategy.canary?.steps, [{ pause: {} }, { analysis: { templates: [{ templateName: "web-pre-rollout", clusterScope: false }] } }, { setWeight: 50 }, { pause: { duration: "30s" } }]);
  assert.equal(rollout.spec.strategy.canary?.analysis?.startingStep, 2);
  const text = joinDocuments(importDocuments(splitManifest("in.yaml", flaggerCanary(`    interval: 30s
    threshold: 3
    webhooks:
      - { name: smoke, type: pre-rollout, url: "http://tester/", timeout: 90s, retries: 3 }
      - { name: notify, type: post-rollout, url: "http://chat/" }`))));
  assert.match(text, /timeoutSeconds: 90\n/);
  assert.match(text, /NOT TRANSLATED: spec\.analysis\.webhooks\[0\]\.retries: each interval makes one call/);
  // A post-rollout hook is a notification: a receiver subscribed to completed and aborted, with its ConfigMap.
  assert.match(text, /note: spec\.analysis\.webhooks\[1\]: becomes notification receiver "webhook-notify" \(ConfigMap sluice-notifications\), subscribed to completed and aborted/);
  const docs = lintDocuments(splitManifest("out.yaml", text));
  assert.deepEqual(docs.findings, []);
  const out = splitManifest("out.yaml", text).map((d) => d.content as { kind?: string; metadata?: { annotations?: Record<string, string> }; data?: Record<string, string> });
  assert.equal(out.find((o) => o.kind === "Rollout")?.metadata?.annotations?.["notifications.sluice.dev/subscribe"], "webhook-notify:completed|aborted");
  assert.equal(out.find((o) => o.kind === "ConfigMap")?.data?.receivers, "- name: webhook-notify\n  webhook:\n    url: http://chat/\n");
});

test("a Flagger A/B test that the router cannot express says why and falls back to blue-green", () => {
  const yaml = flaggerCanary(
    `    interval: 1m
    iterations: 5
    match:
      - headers: { x-canary: { exact: "1" } }
      - headers: { x-beta: { exact: "1" } }`,
    "nginx",
  ).replace("service: { port: 80 }", "service: { port: 80 }\n  ingressRef: { name: web }");
  const imported = importDocuments(splitManifest("in.yaml", yaml));
  const text = joinDocuments(imported);
  assert.match(text, /NOT TRANSLATED: spec\.analysis\.match: ingress-nginx routes a canary by one header/);
  assert.ok(importedRollout(yaml).spec.strategy.blueGreen);
});

test("-o DIR keeps the inputs' relative paths, so inputs that share a base name do not overwrite each other", () => {
  const input = mkdtempSync(join(tmpdir(), "sluice-import-in-"));
  for (const dir of ["a", "b"]) {
    mkdirSync(join(input, dir));
    copyFileSync(join(REPO_ROOT, FIXTURES, "argo", "rollout-canary.yaml"), join(input, dir, "rollout.yaml"));
  }
  const out = mkdtempSync(join(tmpdir(), "sluice-import-out-"));
  const result = runCli(["import", input, "-o", out]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["a", "b"]);
  assert.ok(readFileSync(join(out, "a", "rollout.yaml"), "utf8").includes("kind: Rollout"));
  assert.ok(readFileSync(join(out, "b", "rollout.yaml"), "utf8").includes("kind: Rollout"));
});

test("-o DIR writes one file per input file; a clean import exits 0", () => {
  const out = mkdtempSync(join(tmpdir(), "sluice-import-"));
  const result = runCli(["import", join(FIXTURES, "argo", "rollout-canary.yaml"), join(FIXTURES, "argo", "cluster-analysis-template.yaml"), "-o", out]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  assert.deepEqual(readdirSync(out).sort(), ["cluster-analysis-template.yaml", "rollout-canary.yaml"]);
  const lint = lintDocuments(splitManifest("x", readFileSync(join(out, "rollout-canary.yaml"), "utf8")));
  assert.deepEqual(lint.findings, []);
  const canary = (lint.valid[0]?.object.value as { spec: { strategy: { canary: CanaryStrategy } } }).spec.strategy.canary;
  assert.deepEqual(canary.steps?.[3], { pause: { duration: 10 } }, "a bare number of seconds stays one");
});

test("Argo expr-lang conditions: inclusive bounds become thresholds, the rest CEL, unknown functions nothing", () => {
  assert.deepEqual(translateCondition("result[0] >= 0.95"), { min: 0.95 });
  assert.deepEqual(translateCondition("result[0] <= 0.3"), { max: 0.3 });
  assert.deepEqual(translateCondition("0.3 >= result"), { max: 0.3 });
  assert.equal(translateCondition("result[0] > 0.05"), "result > 0.05");
  assert.equal(translateCondition("result[0] <= 0.3 and result[0] >= 0"), "result <= 0.3 && result >= 0");
  // Beside size(result) the list form stays: one expression gives result one type.
  assert.equal(translateCondition("len(result) == 0 or result[0] < 1"), "size(result) == 0 || result[0] < 1");
  assert.equal(translateCondition("isNaN(result[0]) || result[0] < 0.1"), undefined);
  // A web answer's fields and strings read the same in both languages.
  assert.equal(translateCondition("result.ok == true"), "result.ok == true");
  assert.equal(translateCondition("result == 'It worked!'"), "result == 'It worked!'");
  assert.equal(translateCondition("result.ok == true and result.count > 3"), "result.ok == true && result.count > 3");
  assert.equal(translateCondition("any(result, {# > 1})"), undefined);
});
