/**
 * The share of its revision's false-abort budget an AnalysisRun of `rollout` may spend (pure given the lookup):
 * the split is src/core/false-abort-share.ts; here a gate's templates say whether it judges the canary.
 */
import type { RolloutAnalysis, TemplateRef } from "../../api/analysis-refs.ts";
import type { AnalysisTemplateSpec } from "../../api/analysis-template.ts";
import type { Rollout } from "../../api/rollout.ts";
import { judgesCanary } from "../../analysis/false-abort-budget.ts";
import { falseAbortShare } from "../../core/false-abort-share.ts";

export type TemplateSpecLookup = (ref: TemplateRef) => AnalysisTemplateSpec | undefined;

/** A gate judges when one of its templates has a deciding compare metric; a template not found might, so it counts. */
export function gateJudges(lookup: TemplateSpecLookup): (analysis: RolloutAnalysis) => boolean {
  return (analysis) =>
    analysis.templates.some((ref) => {
      const spec = lookup(ref);
      return spec === undefined || spec.metrics.some(judgesCanary);
    });
}

export function runShare(rollout: Rollout, lookup: TemplateSpecLookup): number | undefined {
  return falseAbortShare(rollout, gateJudges(lookup));
}
