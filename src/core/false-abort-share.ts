/**
 * How a rollout revision's false-abort budget (1 - confidence) is split among its analysis gates (pure).
 *
 * A gate is a place the strategy names an analysis: each canary step with `analysis`, the canary's background
 * `analysis`, blue-green's pre- and post-promotion analysis. Each gate runs one AnalysisRun per revision, and
 * any one of them failing aborts the revision, so a good revision is falsely aborted with probability at most
 * the sum of their levels (Bonferroni). The rule: the K gates whose templates judge the canary (a compare
 * metric that is not a dry run) get 1/K each; a gate that only checks thresholds spends nothing and gets none.
 *
 * The share depends on the Rollout's spec and templates only, never on which runs exist, so a retried run
 * (after an abort) or a background analysis resumed after Inconclusive spends its gate's share again rather
 * than a new one, and a restarted controller gives the same number.
 */
import type { RolloutAnalysis } from "../api/analysis-refs.ts";
import type { Rollout } from "../api/rollout.ts";
import { analysisReferences } from "../api/template-references.ts";

/** The gates of the revision whose analysis `judges` says compares canary with stable. */
export function judgedGates(rollout: Rollout, judges: (analysis: RolloutAnalysis) => boolean): number {
  return analysisReferences(rollout).filter(({ analysis }) => judges(analysis)).length;
}

/** Each judged gate's share of the budget; undefined when no gate judges (nothing to split). */
export function falseAbortShare(rollout: Rollout, judges: (analysis: RolloutAnalysis) => boolean): number | undefined {
  const gates = judgedGates(rollout, judges);
  return gates > 0 ? 1 / gates : undefined;
}
