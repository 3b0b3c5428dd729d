/**
 * The split of a revision's false-abort budget among its analysis gates: 1/K for each of the K gates whose
 * templates judge the canary, from the Rollout's spec and the templates alone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from "../../src/api/analysis-template.ts";
import { rolloutSchema, type Rollout } from "../../src/api/rollout.ts";
import { runShare } from "../../src/controller/build/run-share.ts";
import { falseAbortShare, judgedGates } from "../../src/core/false-abort-share.ts";
import { rolloutObject } from "../helpers/rollout-object.ts";

const template = (metric: Record<string, unknown>): AnalysisTemplateSpec => analysisTemplateSpecSchema.parse({ metrics: [{ name: "m", provider: { prometheus: {} }, ...metric }] });
const TEMPLATES = new Map<string, AnalysisTemplateSpec>([
  ["requests", template({ interval: "30s", compare: { requests: { errors: 'sum(e{h="{{podTemplateHash}}"})', requests: 'sum(r{h="{{podTemplateHash}}"})' } } })],
  ["per-step", template({ compare: { query: 'x{h="{{podTemplateHash}}"}' } })],
  ["threshold", template({ provider: { prometheus: { query: "vector(0)" } }, successCondition: { max: 0.01 } })],
  ["shadow", template({ dryRun: true, compare: { query: 'x{h="{{podTemplateHash}}"}' } })],
]);
const lookup = (ref: { templateName: string }) => TEMPLATES.get(ref.templateName);
const uses = (...names: string[]) => ({ templates: names.map((templateName) => ({ templateName })) });
const rollout = (strategy: Record<string, unknown>): Rollout => rolloutSchema.parse(rolloutObject("web", { strategy }));

test("a canary with three analysis steps and a background analysis that judge: K = 4, a quarter each", () => {
  const r = rollout({
    canary: {
      analysis: uses("requests"),
      steps: [{ setWeight: 10 }, { analysis: uses("requests") }, { setWeight: 30 }, { analysis: uses("per-step") }, { setWeight: 60 }, { analysis: uses("threshold", "requests") }],
    },
  });
  assert.equal(runShare(r, lookup), 1 / 4);
});

test("blue-green with pre- and post-promotion analysis: K = 2", () => {
  const r = rollout({ blueGreen: { activeService: "web", previewService: "web-preview", prePromotionAnalysis: uses("requests"), postPromotionAnalysis: uses("per-step") } });
  assert.equal(runShare(r, lookup), 1 / 2);
});

test("gates of thresholds or dry runs spend nothing and are not counted; with no judged gate there is no share", () => {
  const mixed = rollout({ canary: { analysis: uses("threshold"), steps: [{ analysis: uses("shadow") }, { analysis: uses("requests") }, { analysis: uses("threshold") }] } });
  assert.equal(runShare(mixed, lookup), 1, "one judged gate of four: it has the whole budget");
  const none = rollout({ canary: { analysis: uses("threshold"), steps: [{ analysis: uses("shadow") }, { setWeight: 50 }] } });
  assert.equal(runShare(none, lookup), undefined);
  assert.equal(runShare(rollout({ canary: { steps: [{ setWeight: 50 }] } }), lookup), undefined, "no analysis at all");
});

test("a template the cache does not have might judge: its gate is counted, so the split errs on the safe side", () => {
  const r = rollout({ canary: { steps: [{ analysis: uses("requests") }, { analysis: uses("not-yet-created") }] } });
  assert.equal(runShare(r, lookup), 1 / 2);
});

test("the split counts what the predicate says, nothing else: judgedGates and falseAbortShare on a bare rule", () => {
  const r = rollout({ canary: { analysis: uses("b"), steps: [{ analysis: uses("a") }, { analysis: uses("b") }, { analysis: uses("c") }] } });
  const isB = (analysis: { templates: { templateName: string }[] }) => analysis.templates.some((t) => t.templateName === "b");
  assert.equal(judgedGates(r, isB), 2);
  assert.equal(falseAbortShare(r, isB), 1 / 2);
  assert.equal(falseAbortShare(r, () => false), undefined);
});
