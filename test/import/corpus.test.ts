/**
 * Every peer manifest of the corpus (README.md here) through `sluice import` and `sluice lint`, as a user
 * migrating would: what translates, what is reported, and that the output lints clean whenever the import
 * reported nothing lost. Then the bugs issue 14 found, each on the upstream file that showed it.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { splitManifest } from "../../src/api/manifest-documents.ts";
import { readManifests } from "../../src/cli/files.ts";
import { importDocuments, joinDocuments, type ImportOptions } from "../../src/cli/import/import-documents.ts";
import { lintDocuments } from "../../src/cli/lint/lint-manifests.ts";
import { corpusFiles, HERE, kinds, withCompanions } from "./corpus.ts";

const ARGO_KINDS = ["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate"];
/** Upstream files that are not YAML until rendered (Helm templates): import refuses them with the position. */
const NOT_YAML = ["helm-blue-green/templates/rollout.yaml", "helm-blue-green/templates/services.yaml"];
/**
 * Upstream files whose own mistake lint reports once everything around them imports: the finding each must give.
 * rollout-canary-with-analysis names ClusterAnalysisTemplate "pass", which is the metric of "always-pass";
 * rollout-linkerd writes an annotation as `{{args.linkerd-enabled}}` unquoted, which YAML reads as a map (the API
 * server refuses it too: annotations are strings).
 */
const UPSTREAM_MISTAKES: Record<string, string> = {
  "traffic-management/rollout-linkerd.yaml": "spec.metrics[0].provider.job.spec.template.metadata.annotations.linkerd.io/inject: must be a string (got an object)",
  "rollout-canary-with-analysis.yaml": 'spec.strategy.canary.steps[2].analysis.templates[0].templateName: ClusterAnalysisTemplate "pass" was not found in the files given (add its file, or use --cluster to look in the cluster); create it, fix the name',
};

type Imported = { text: string; droppedInFile: number; notes: string[]; findings: string[] };

function importWith(file: string, companions: string[], options: ImportOptions = {}): Imported {
  const docs = importDocuments(readManifests([file, ...companions]), options);
  const own = docs.filter((d) => d.source === relative(process.cwd(), file));
  const text = joinDocuments(docs);
  const findings = lintDocuments(splitManifest("imported.yaml", text)).findings.map((f) => `${f.path}: ${f.message}`);
  return { text, droppedInFile: own.reduce((n, d) => n + d.dropped, 0), notes: own.map((d) => d.comments).join("").split("\n").filter(Boolean), findings };
}

/** An Argo file with the template-only files of its directory (Argo's examples keep templates apart). */
function argoCompanions(file: string, all: string[]): string[] {
  return all.filter((f) => f !== file && dirname(f) === dirname(file) && !NOT_YAML.some((n) => f.endsWith(n)) && kinds(f).length > 0 && kinds(f).every((k) => k === "AnalysisTemplate" || k === "ClusterAnalysisTemplate"));
}

test("Argo's examples: each imports; whenever nothing is reported lost, the output lints clean; at least 30 of those with Rollouts or templates lint clean", () => {
  const all = corpusFiles("argo");
  assert.ok(all.length >= 40, `the corpus holds Argo's examples (${all.length} files)`);
  let relevant = 0;
  let clean = 0;
  for (const file of all) {
    const shown = relative(join(HERE, "argo", "examples"), file);
    if (NOT_YAML.includes(shown)) {
      assert.throws(() => importDocuments(readManifests([file])), /line \d+, column \d+/, `${shown}: refused with the position of the syntax error`);
      continue;
    }
    const out = importWith(file, argoCompanions(file, all));
    const mistake = UPSTREAM_MISTAKES[shown];
    if (out.droppedInFile === 0) assert.deepEqual(out.findings, mistake ? [mistake] : [], `${shown}: nothing was reported lost, so the output must lint clean${mistake ? " but for upstream's own mistake" : ""}`);
    if (kinds(file).some((k) => ARGO_KINDS.includes(String(k)))) {
      relevant++;
      if (out.findings.length === 0) clean++;
    }
  }
  assert.ok(relevant >= 30, `files with Rollouts or templates: ${relevant}`);
  assert.ok(clean >= 30, `${clean} of ${relevant} lint clean`);
});

test("Flagger: every Canary of the corpus, with what upstream applies beside it, imports to output that lints clean", () => {
  const all = corpusFiles("flagger");
  const canaries = all.filter((f) => kinds(f).includes("Canary"));
  assert.ok(canaries.length >= 80, `Canary files: ${canaries.length}`);
  for (const file of canaries) {
    const out = importWith(file, withCompanions(file, all).slice(1));
    assert.deepEqual(out.findings, [], relative(HERE, file));
  }
});

const flagger = (path: string) => join(HERE, "flagger", path);
const argo = (path: string) => join(HERE, "argo", "examples", path);
const objects = (text: string) => splitManifest("x", text).map((d) => d.content as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
const withWorkload = (path: string) => withCompanions(flagger(path), corpusFiles("flagger")).slice(1);

test("a Flagger Canary without spec.provider is routed as Flagger's default (istio), says so, and takes --mesh-provider", () => {
  const out = importWith(flagger("test/istio/test-canary-2.yaml"), withWorkload("test/istio/test-canary-2.yaml"));
  assert.ok(objects(out.text).some((o) => o.kind === "VirtualService"), "a VirtualService is generated");
  assert.ok(out.notes.some((n) => /note: spec\.provider: not set: .* assumed "istio", Flagger's default/.test(n)), out.notes.join("\n"));
  const linkerd = importWith(flagger("test/istio/test-canary-2.yaml"), withWorkload("test/istio/test-canary-2.yaml"), { meshProvider: "linkerd" });
  const rollout = objects(linkerd.text).find((o) => o.kind === "Rollout");
  assert.deepEqual((rollout?.spec.strategy as { canary: { trafficRouting: unknown } }).canary.trafficRouting, { smi: {} });
  assert.ok(linkerd.notes.some((n) => n.includes('assumed "linkerd" (--mesh-provider)')));
});

test("the Deployment that became the Rollout is not emitted beside it, also when it has no namespace (Flagger's kustomize layout)", () => {
  const canary = flagger("test/e2e-istio-tests-5.yaml");
  const out = importWith(canary, withWorkload("test/e2e-istio-tests-5.yaml"));
  assert.deepEqual(objects(out.text).filter((o) => o.kind === "Deployment"), []);
  const deployment = parse(readFileSync(flagger("kustomize/podinfo/deployment.yaml"), "utf8")) as { metadata: { namespace?: string } };
  assert.equal(deployment.metadata.namespace, undefined, "upstream's kustomize Deployment has no namespace");
  const artifacts = corpusFiles("flagger").filter((f) => f.includes("/artifacts/") && kinds(f).includes("Canary") && /apiVersion: flagger\.app\//.test(readFileSync(f, "utf8")) && readFileSync(f, "utf8").includes("name: podinfo"));
  assert.ok(artifacts.length > 0);
  for (const file of artifacts) {
    const kept = objects(importWith(file, [flagger("kustomize/podinfo/deployment.yaml")]).text);
    assert.deepEqual(kept.filter((o) => o.kind === "Deployment"), [], relative(HERE, file));
  }
  // --keep-deployment keeps it, and the Rollout points at it.
  const keep = objects(importWith(canary, withWorkload("test/e2e-istio-tests-5.yaml"), { keepDeployment: true }).text);
  assert.equal(keep.filter((o) => o.kind === "Deployment").length, 1);
  assert.deepEqual(keep.find((o) => o.kind === "Rollout")?.spec.workloadRef, { apiVersion: "apps/v1", kind: "Deployment", name: "podinfo", scaleDown: "onsuccess" });
});

test("a Flagger metric's interval is the query window; the analysis interval is how often it is measured; builtins select the canary", () => {
  const file = "test/e2e-istio-tests-5.yaml";
  const canary = (parse(readFileSync(flagger(file), "utf8").split("\n---\n").find((d) => d.includes("kind: Canary")) ?? "") as { spec: { analysis: { interval: string; metrics: { name: string; interval?: string }[] } } }).spec.analysis;
  const template = objects(importWith(flagger(file), withWorkload(file)).text).find((o) => o.kind === "AnalysisTemplate");
  const metrics = template?.spec.metrics as { name: string; interval: string; provider: { prometheus: { query: string } } }[];
  for (const m of canary.metrics.filter((x) => x.name === "request-success-rate" || x.name === "request-duration")) {
    const out = metrics.find((x) => x.name === m.name);
    assert.equal(out?.interval, canary.interval, `${m.name}: measured every analysis interval`);
    assert.ok(out?.provider.prometheus.query.includes(`[${m.interval ?? "1m"}]`), `${m.name}: the window is the metric's interval: ${out?.provider.prometheus.query}`);
    assert.match(out?.provider.prometheus.query ?? "", /destination_service_name="podinfo-canary"/, "selects the requests routed to the canary");
    assert.doesNotMatch(out?.provider.prometheus.query ?? "", /destination_workload=~"podinfo"/, "not the workload name stable shares");
  }
});

test("Linkerd builtins select the canary's pods by the hash the Rollout passes; fullWeight 1000 weights become percentages", () => {
  // Flagger's Linkerd e2e Canaries leave spec.provider out: their Flagger runs with --mesh-provider=linkerd.
  const file = "test/e2e-linkerd-steps-tests-2.yaml";
  const out = objects(importWith(flagger(file), withWorkload(file), { meshProvider: "linkerd" }).text);
  const rollout = out.find((o) => o.kind === "Rollout");
  const canary = rollout?.spec.strategy as { canary: { steps: { setWeight?: number }[]; analysis: { args?: unknown[] } } };
  const weights = canary.canary.steps.map((s) => s.setWeight).filter((w) => w !== undefined);
  assert.ok(weights.every((w) => (w as number) <= 100) && weights.length > 0, `weights in percent: ${weights.join(", ")}`);
  assert.deepEqual(canary.canary.analysis.args, [{ name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } }]);
  const template = out.find((o) => o.kind === "AnalysisTemplate");
  assert.deepEqual(template?.spec.args, [{ name: "canary-hash" }]);
  const builtins = (template?.spec.metrics as { name: string; provider: { prometheus: { query: string } } }[]).filter((m) => m.name.startsWith("request-"));
  assert.equal(builtins.length, 2);
  for (const m of builtins) assert.ok(m.provider.prometheus.query.includes('pod=~"podinfo-{{args.canary-hash}}-[0-9a-zA-Z]+"'), m.provider.prometheus.query);
});

test("Flagger's deprecated canaryAnalysis and flagger.app/v1alpha3 Canaries are read as Flagger reads them", () => {
  const file = "test/e2e-tests-1.yaml";
  const out = importWith(flagger(file), withWorkload(file));
  const rollout = objects(out.text).find((o) => o.kind === "Rollout");
  assert.ok(rollout, "a Rollout from a canaryAnalysis Canary");
  assert.ok(((rollout?.spec.strategy as { canary?: { steps?: unknown[] } }).canary?.steps ?? []).length > 0, "its steps come from canaryAnalysis");
  assert.ok(out.notes.some((n) => n.includes("spec.canaryAnalysis: the deprecated name of spec.analysis")));
  const alpha = corpusFiles("flagger").filter((f) => readFileSync(f, "utf8").includes("apiVersion: flagger.app/v1alpha3") && kinds(f).includes("Canary"));
  assert.ok(alpha.length > 0);
  for (const f of alpha) assert.ok(!importWith(f, withCompanions(f, corpusFiles("flagger")).slice(1)).notes.some((n) => n.includes("has no sluice equivalent")), relative(HERE, f));
});

test("Flagger's deprecated inline metric query runs as written, with a note to check what it selects", () => {
  const file = "test/e2e-nginx-tests-1.yaml";
  const out = importWith(flagger(file), withWorkload(file));
  assert.deepEqual(out.findings, []);
  const template = objects(out.text).find((o) => o.kind === "AnalysisTemplate");
  const metrics = (template?.spec as { metrics: { name: string; successCondition?: unknown; provider: { prometheus?: { query: string } } }[] }).metrics;
  const inline = metrics.find((m) => m.name === "http-request-success-rate");
  assert.ok(inline, "the inline query is a metric");
  assert.match(inline.provider.prometheus?.query ?? "", /http_request_duration_seconds_count\{/);
  assert.deepEqual(inline.successCondition, { max: 99 }, "deprecated threshold on a custom query: a maximum, as Flagger's scheduler reads it");
  assert.ok(out.notes.some((n) => n.includes("metrics[0].query: Flagger's deprecated inline query, copied as written")));
  assert.ok(!out.notes.some((n) => n.includes("neither a builtin")));
});

test("Flagger's VirtualService keeps the apex host; portDiscovery exposes the other container ports; delegation is reported", () => {
  const file = "test/e2e-istio-tests-5.yaml";
  const out = importWith(flagger(file), withWorkload(file));
  const vs = objects(out.text).find((o) => o.kind === "VirtualService");
  assert.equal((vs?.spec.hosts as string[])[0], "podinfo", "the apex host first, as Flagger routes it");
  // test/e2e-workload.yaml's podinfo: targetPort "http" names container port 9898, which is spec.service.port already.
  for (const svc of objects(out.text).filter((o) => o.kind === "Service")) {
    assert.deepEqual(svc.spec.ports, [
      { name: "http-podinfo", port: 80, targetPort: "http" },
      { name: "http-prom", port: 9797, targetPort: 9797, protocol: "TCP" },
    ]);
  }
  assert.ok(!out.notes.some((n) => n.includes("NOT TRANSLATED: spec.service.portDiscovery")));
  assert.deepEqual(out.findings, []);
  const delegation = importWith(flagger("test/istio/test-delegation-3.yaml"), withWorkload("test/istio/test-delegation-3.yaml"));
  assert.ok(delegation.notes.some((n) => n.startsWith("#   NOT TRANSLATED: spec.service.delegation:")));
});

test("a MetricTemplate of a version Flagger no longer serves is reported as that, not as a kind sluice lacks", () => {
  const out = importWith(flagger("test/e2e-linkerd-tests-1.yaml"), []);
  assert.ok(out.notes.some((n) => n.includes("NOT TRANSLATED: apiVersion: flagger.app/v1alpha1 is not a version sluice reads")), out.notes.join("\n"));
  assert.ok(!out.notes.some((n) => n.includes("MetricTemplate has no sluice equivalent")));
});

test("a DaemonSet target is reported as what it is, not as a missing manifest", () => {
  const file = "test/kubernetes/test-daemonset-1.yaml";
  const out = importWith(flagger(file), withWorkload(file));
  assert.ok(out.notes.some((n) => /NOT TRANSLATED: spec\.targetRef: a DaemonSet target has no sluice equivalent/.test(n)), out.notes.join("\n"));
});

test("Argo: a step with two actions (apisix) becomes two steps; Argo's old analysis form and a mis-indented pause are read as Argo reads them", () => {
  const apisix = importWith(argo("apisix/rollout.yaml"), []);
  const steps = ((objects(apisix.text)[0]?.spec.strategy as { canary: { steps: Record<string, unknown>[] } }).canary.steps).map((s) => Object.keys(s));
  assert.ok(steps.every((k) => k.length === 1), JSON.stringify(steps));
  assert.ok(apisix.notes.some((n) => /one Argo step with setCanaryScale and setHeaderRoute becomes 2 sluice steps/.test(n)), apisix.notes.join("\n"));
  const old = importWith(argo("rollout-with-analysis.yaml"), []);
  assert.deepEqual((objects(old.text).find((o) => o.kind === "Rollout")?.spec.strategy as { canary: { analysis: unknown } }).canary.analysis, { templates: [{ templateName: "random-fail" }] });
  const pause = importWith(argo("example-rollout-canary-run-tmp-canary.yaml"), []);
  const pauses = ((objects(pause.text)[0]?.spec.strategy as { canary: { steps: { pause?: unknown }[] } }).canary.steps).filter((s) => "pause" in s);
  assert.deepEqual(pauses[0], { pause: {} }, "pause: null waits for promote, as in Argo");
  assert.ok(pause.notes.some((n) => n.startsWith("#   NOT TRANSLATED: spec.strategy.canary.steps[1].duration: not a field of a step")));
});

test("Argo's Istio subset split translates and lints clean: no stableService/canaryService, the DestinationRule's subsets split the traffic", () => {
  const out = importWith(argo("istio/istio-subset-split.yaml"), []);
  assert.equal(out.droppedInFile, 0, out.notes.join("\n"));
  assert.deepEqual(out.findings, []);
  assert.ok(!out.notes.some((n) => n.includes("NOT TRANSLATED")), out.notes.join("\n"));
  const canary = (objects(out.text).find((o) => o.kind === "Rollout")?.spec.strategy as { canary: Record<string, unknown> }).canary;
  assert.equal(canary.stableService, undefined);
  assert.deepEqual((canary.trafficRouting as { istio: { destinationRule: unknown } }).istio.destinationRule, { name: "istio-subset-split-destrule", canarySubsetName: "canary", stableSubsetName: "stable" });
});
