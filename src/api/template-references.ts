/**
 * Cross-object check: every analysis a Rollout names must exist (as an AnalysisTemplate in its namespace or
 * a ClusterAnalysisTemplate) and receive every argument it declares without a value.
 */
import type { RolloutAnalysis, TemplateRef } from "./analysis-refs.ts";
import type { AnalysisTemplateSpec } from "./analysis-template.ts";
import type { Rollout } from "./rollout.ts";
import type { SpecProblem } from "./rollout-rules.ts";

export type TemplateLookup = (ref: TemplateRef, namespace: string | undefined) => AnalysisTemplateSpec | undefined;

/** Every place a Rollout names templates, with the path of that field. */
export function analysisReferences(rollout: Rollout): { path: (string | number)[]; analysis: RolloutAnalysis }[] {
  const found: { path: (string | number)[]; analysis: RolloutAnalysis }[] = [];
  const { canary, blueGreen } = rollout.spec.strategy;
  canary?.steps?.forEach((step, i) => {
    if (step.analysis) found.push({ path: ["spec", "strategy", "canary", "steps", i, "analysis"], analysis: step.analysis });
  });
  if (canary?.analysis) found.push({ path: ["spec", "strategy", "canary", "analysis"], analysis: canary.analysis });
  for (const field of ["prePromotionAnalysis", "postPromotionAnalysis"] as const) {
    const analysis = blueGreen?.[field];
    if (analysis) found.push({ path: ["spec", "strategy", "blueGreen", field], analysis });
  }
  return found;
}

export function templateReferenceProblems(rollout: Rollout, lookup: TemplateLookup, whereLooked: string): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const namespace = rollout.metadata.namespace;
  for (const { path, analysis } of analysisReferences(rollout)) {
    const given = new Set((analysis.args ?? []).map((a) => a.name));
    analysis.templates.forEach((ref, j) => {
      const kind = ref.clusterScope ? "ClusterAnalysisTemplate" : "AnalysisTemplate";
      const spec = lookup(ref, namespace);
      if (!spec) {
        problems.push({
          path: [...path, "templates", j, "templateName"],
          message: `${kind} "${ref.templateName}" was not found in ${whereLooked}; create it, fix the name${ref.clusterScope ? "" : ", or set clusterScope: true for a ClusterAnalysisTemplate"}`,
        });
        return;
      }
      for (const arg of spec.args ?? []) {
        if (arg.value === undefined && arg.valueFrom === undefined && !given.has(arg.name)) {
          problems.push({
            path: [...path, "args"],
            message: `missing argument "${arg.name}" that ${kind} "${ref.templateName}" requires; add {name: ${arg.name}, value: ...}`,
          });
        }
      }
    });
  }
  return problems;
}
