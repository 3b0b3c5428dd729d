/**
 * The false-abort budget of one AnalysisRun (pure). A rollout revision may be falsely aborted with
 * probability at most 1 - `confidence`; the controller gives each of its runs a share of that
 * (`spec.falseAbortShare`, src/core/false-abort-share.ts), and within the run the request-judge metrics
 * split the share equally. Both splits are Bonferroni: the chance that any of several tests falsely aborts is
 * at most the sum of their levels, whatever the tests have in common (same traffic, same pods).
 */
import type { Metric } from "../api/metric.ts";
import type { AnalysisRunSpec } from "./run-progress.ts";

/** A metric that compares canary with stable and may fail the run (a dry run never decides, so spends nothing). */
export function judgesCanary(metric: Metric): boolean {
  return metric.compare !== undefined && !metric.dryRun;
}

export interface RunBudget {
  /** The run's share of its revision's budget, in (0, 1]. */
  readonly share: number;
  /** Request-judge metrics of the whole run that decide, due now or not: the share is split among them. */
  readonly requestMetrics: number;
}

/** Counted from the whole spec, not the metrics due in one pass, so each metric's alpha is the same at every look. */
export function runBudget(spec: Pick<AnalysisRunSpec, "metrics" | "falseAbortShare">): RunBudget {
  return { share: spec.falseAbortShare ?? 1, requestMetrics: spec.metrics.filter((m) => m.compare?.requests !== undefined && judgesCanary(m)).length };
}

/** The request judge's level: its metric's part of the run's share of 1 - confidence. */
export function requestAlpha(confidence: number, budget: RunBudget): number {
  return (budget.share * (1 - confidence)) / Math.max(1, budget.requestMetrics);
}

/** The confidence the per-step judge works at: the run's share of 1 - confidence is all it may spend. */
export function shareConfidence(confidence: number, budget: RunBudget): number {
  return 1 - budget.share * (1 - confidence);
}
