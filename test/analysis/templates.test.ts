/** The shipped ClusterAnalysisTemplates: valid, every placeholder declared and renderable, examples in sync. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { clusterAnalysisTemplateSchema } from "../../src/api/analysis-template.ts";
import { durationToMs } from "../../src/api/duration.ts";
import { overlapWarning } from "../../src/analysis/query-ranges.ts";
import { renderPromQL } from "../../src/providers/promql-args.ts";
import { literalArgs } from "../../src/providers/resolved-args.ts";
import { REPO_ROOT } from "../helpers/run-cli.ts";

const DIR = join(REPO_ROOT, "deploy/analysis-templates");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");

/** A plausible value per argument name, to render every query as a user's Rollout would. */
const SAMPLE: Record<string, string> = { "pod-hash": "6d4f8b9c7", namespace: "shop", service: "checkout-canary", window: "1m", "slow-le": "0.5", "canary-pod-hash": "a1", "stable-pod-hash": "b2" };

describe("shipped analysis templates", () => {
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(join(DIR, file), "utf8"));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      const template = clusterAnalysisTemplateSchema.parse(doc.toJS());
      it(`${file}: ${template.metadata.name} renders every query with its declared args`, () => {
        const declared = new Map((template.spec.args ?? []).map((a) => [a.name, a.value ?? SAMPLE[a.name] ?? "x"]));
        for (const metric of template.spec.metrics) {
          const r = metric.compare?.requests;
          const queries = [metric.provider.prometheus?.query, metric.minSamples?.query, metric.compare?.query, r?.latency, r?.errors, r?.requests].filter((q): q is string => q !== undefined);
          assert.ok(queries.length > 0, metric.name);
          // The request judge's per-side placeholders: {{window}}, and {{sides.NAME}} from the args canary-NAME / stable-NAME.
          const extras = new Map([["podTemplateHash", "abc"], ["window", "30s"]]);
          for (const name of declared.keys()) if (name.startsWith("canary-")) extras.set(`sides.${name.slice("canary-".length)}`, "checkout-canary");
          for (const query of queries) {
            for (const m of query.matchAll(/\{\{\s*args\.([^}\s]+)\s*\}\}/g)) assert.ok(declared.has(m[1] ?? ""), `${metric.name}: {{args.${m[1]}}} is not declared`);
            for (const m of query.matchAll(/\{\{\s*sides\.([^}\s]+)\s*\}\}/g)) assert.ok(declared.has(`canary-${m[1]}`) && declared.has(`stable-${m[1]}`), `${metric.name}: {{sides.${m[1]}}} needs args canary-${m[1]} and stable-${m[1]}`);
            const out = renderPromQL(query, literalArgs(declared), extras);
            assert.ok(out.ok, `${metric.name}: ${out.ok ? "" : out.message}`);
            assert.doesNotMatch(out.query, /\{\{/);
          }
          if (!metric.compare) assert.ok(metric.successCondition ?? metric.failureCondition, `${metric.name} has no condition`);
        }
      });
    }
  }

  it("every latency template looks past p99: p50, p99, p99.9 and the maximum, and a judge compare never overlaps its points", () => {
    const quantilesOf = (metrics: { provider: { prometheus?: { query?: string | undefined } | undefined } }[]) =>
      metrics.flatMap((m) => [...(m.provider.prometheus?.query ?? "").matchAll(/histogram_quantile\(\s*([0-9.]+)/g)].map((q) => Number(q[1])));
    let latencyTemplates = 0;
    for (const file of files) {
      const docs = parseAllDocuments(readFileSync(join(DIR, file), "utf8"));
      for (const doc of Array.isArray(docs) ? docs : [docs]) {
        const template = clusterAnalysisTemplateSchema.parse(doc.toJS());
        for (const metric of template.spec.metrics) {
          if (metric.compare?.query !== undefined) assert.equal(overlapWarning(metric.compare.query, durationToMs(metric.compare.step) ?? 0), undefined, `${template.metadata.name}/${metric.name}`);
        }
        if (!/latency$/.test(template.metadata.name ?? "")) continue;
        latencyTemplates++;
        assert.deepEqual([...quantilesOf(template.spec.metrics)].sort(), [0.5, 0.99, 0.999, 1], template.metadata.name);
      }
    }
    assert.equal(latencyTemplates, 4, "latency, nginx-latency, istio-latency, envoy-latency");
  });

  it("the kustomization lists every template file", () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, "kustomization.yaml"), "utf8"));
    const first = Array.isArray(kustomization) ? kustomization[0] : kustomization;
    assert.deepEqual([...((first?.toJS() as { resources: string[] }).resources)].sort(), [...files].sort());
  });

  it("examples/analysis-*.yaml are copies of the shipped templates", () => {
    const pairs = [
      ["analysis-error-rate.yaml", "error-rate.yaml"],
      ["analysis-latency.yaml", "latency.yaml"],
      ["analysis-judge.yaml", "latency-vs-stable.yaml"],
      ["analysis-requests.yaml", "requests-vs-stable.yaml"],
    ];
    for (const [example, shipped] of pairs) {
      assert.equal(readFileSync(join(REPO_ROOT, "examples", example ?? ""), "utf8"), readFileSync(join(DIR, shipped ?? ""), "utf8"), `${example} differs from deploy/analysis-templates/${shipped}`);
    }
  });
});
