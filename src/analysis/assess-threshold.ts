/**
 * The verdict on one threshold measurement (pure): query result, optional sample count and capping check in; a
 * phase, the value as text and a message that says why out. The fail-safe rule lives here: no data, NaN, too few
 * samples or a capped quantile is Inconclusive, never Successful.
 *
 * Conditions follow Argo Rollouts: with both, failure holding → Failed, success holding → Successful, neither →
 * Inconclusive; with only a success condition, not holding → Failed; with only a failure condition, not holding
 * → Successful.
 */
import type { AnalysisPhase } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import type { QueryResult } from "../providers/types.ts";
import { describeCondition, evaluateCondition, type ConditionValue } from "./conditions.ts";
import type { CappingCheck } from "./quantile-capping.ts";
import { formatConditionValue, formatNumber, instantValues } from "./values.ts";

export interface Assessment {
  readonly phase: Exclude<AnalysisPhase, "Pending" | "Running">;
  readonly value?: string;
  readonly message: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Inconclusive for want of data (empty, NaN, too few samples), which waiting may cure. */
  readonly shortOfData?: true;
}

export interface ThresholdInput {
  readonly metric: Metric;
  readonly result: QueryResult;
  /** Sample count from minSamples.query (sum of its values), when the metric has one. */
  readonly samples?: number | undefined;
  /** From quantile-capping.ts, when the query is a histogram_quantile. */
  readonly capping?: CappingCheck | undefined;
  /** The q of a query that is a histogram_quantile(q, ...); 1 is the window's maximum. */
  readonly quantile?: number | undefined;
}

/**
 * Prometheus fact: histogram_quantile(1, ...) is the upper bound of the bucket holding the slowest observation
 * (rank = total, so the first bucket whose count reaches it, read at its top). A bound, not the value: exact for a
 * threshold that is itself a bucket boundary.
 */
const MAX_NOTE = "; max: the upper bound of the histogram bucket holding the slowest request";

export type ConditionPhase = { phase: Assessment["phase"]; why: string } | { error: string };

export function judgeConditions(metric: Metric, value: ConditionValue): ConditionPhase {
  const shown = formatConditionValue(value);
  if (metric.failureCondition !== undefined) {
    const failure = evaluateCondition(metric.failureCondition, value);
    if (failure.kind === "error") return { error: failure.message };
    if (failure.kind === "holds") return { phase: "Failed", why: `${shown} meets failure condition (${describeCondition(metric.failureCondition)})` };
  }
  if (metric.successCondition !== undefined) {
    const success = evaluateCondition(metric.successCondition, value);
    if (success.kind === "error") return { error: success.message };
    if (success.kind === "holds") return { phase: "Successful", why: `${shown} meets success condition (${describeCondition(metric.successCondition)})` };
    if (metric.failureCondition !== undefined) {
      return { phase: "Inconclusive", why: `${shown} meets neither the success nor the failure condition` };
    }
    return { phase: "Failed", why: `${shown} does not meet success condition (${describeCondition(metric.successCondition)})` };
  }
  return { phase: "Successful", why: `${shown} does not meet failure condition (${describeCondition(metric.failureCondition ?? "")})` };
}

export function assessThreshold(input: ThresholdInput): Assessment {
  const { metric, result } = input;
  const values = instantValues(result);
  if (values.kind === "unsupported") return { phase: "Error", message: values.message };
  if (values.kind === "empty") {
    return { phase: "Inconclusive", shortOfData: true, message: `no data: query returned an empty ${result.resultType}; is the canary receiving traffic?` };
  }
  const value = formatConditionValue(values.value);
  if (values.all.some((v) => Number.isNaN(v))) {
    return {
      phase: "Inconclusive",
      shortOfData: true,
      value,
      message: "no data: query returned NaN (a ratio of 0/0 or a histogram without observations: no requests in the window?)",
    };
  }
  const metadata: Record<string, string> = {};
  if (metric.minSamples !== undefined) {
    const samples = input.samples ?? 0;
    metadata.samples = formatNumber(samples);
    if (!(samples >= metric.minSamples.min)) {
      return {
        phase: "Inconclusive",
        shortOfData: true,
        value,
        message: `not enough data: ${formatNumber(samples)} samples in the window, at least ${metric.minSamples.min} needed`,
        metadata,
      };
    }
  }
  const capping = input.capping;
  if (capping?.highestFiniteBound !== undefined) {
    metadata.highestFiniteBucket = formatNumber(capping.highestFiniteBound);
    metadata.fractionAboveHighestBucket = formatNumber(capping.fractionAbove ?? 0);
    if (capping.capped) metadata.capped = "true";
  }
  const verdict = judgeConditions(metric, values.value);
  const withMetadata = Object.keys(metadata).length > 0 ? { metadata } : {};
  if ("error" in verdict) return { phase: "Error", value, message: verdict.error, ...withMetadata };
  if (capping?.capped && verdict.phase !== "Failed") {
    return {
      phase: "Inconclusive",
      value,
      message: `capped: the quantile lies above the highest finite bucket (le=${formatNumber(capping.highestFiniteBound ?? Number.NaN)}; ${formatNumber(
        100 * (capping.fractionAbove ?? 0),
      )}% of requests are slower), so Prometheus reports that bound and the true value is unknown; add a higher bucket or check "fraction slower than T"`,
      ...withMetadata,
    };
  }
  const cappedNote = capping?.capped ? ` (capped at the highest finite bucket: the true value is higher)` : "";
  const maxNote = input.quantile === 1 ? MAX_NOTE : "";
  return { phase: verdict.phase, value, message: `${verdict.why}${cappedNote}${maxNote}`, ...withMetadata };
}
