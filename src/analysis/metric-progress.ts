/**
 * One metric's progress through a run (pure): add a measurement to its counters, and decide its phase from the
 * limits. Counting rules:
 * - Failed when failed > failureLimit; Inconclusive when inconclusive > inconclusiveLimit; Failed when
 *   consecutiveError > consecutiveErrorLimit (an unreachable Prometheus ends in a failure, never in a pass).
 * - Successful early when consecutiveSuccess reaches consecutiveSuccessLimit.
 * - `count` counts measurements but Errors (Successful, Failed, Inconclusive, and a judge's Running looks);
 *   Error measurements are retried at the next interval instead, so `count: 4` with errors never
 *   completes on errors alone. Without an interval the metric is measured once.
 * - When the metric completes within its limits it is Successful only if at least one measurement was
 *   Successful; otherwise Inconclusive (fail-safe).
 * - A job metric's measurement is Running while its Job runs: it is kept as the last measurement but counted
 *   nowhere (not in count, not towards any limit) until a later look settles it (same startedAt) as
 *   Successful, Failed, Error or Inconclusive.
 */
import type { AnalysisPhase, Measurement, MetricResult } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import { JOB_NAME_KEY } from "./job-manifest.ts";

export const TERMINAL_PHASES: ReadonlySet<AnalysisPhase> = new Set(["Successful", "Failed", "Inconclusive", "Error"]);

/** The job metric's last measurement when its Job is still running (not counted yet), with the Job's name. */
export function awaitedJob(metric: Metric, result: MetricResult): { measurement: Measurement; jobName: string } | undefined {
  const last = result.measurements?.at(-1);
  const jobName = last?.metadata?.[JOB_NAME_KEY];
  return metric.provider.job && last?.phase === "Running" && jobName !== undefined ? { measurement: last, jobName } : undefined;
}

export function emptyMetricResult(metric: Metric): MetricResult {
  return {
    name: metric.name,
    phase: "Pending",
    ...(metric.dryRun ? { dryRun: true } : {}),
    measurements: [],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0,
  };
}

/**
 * Measurements so far that `count` counts: all but Errors (retried at the next interval). A judge's looks
 * before the last are Running (no verdict yet) and count too: `count: 10` is ten looks.
 */
export function decidedCount(result: MetricResult): number {
  return result.count - result.error;
}

/** Measurements this metric should take in all; undefined = until the run is terminated. */
export function plannedCount(metric: Metric): number | undefined {
  if (metric.count !== undefined) return metric.count;
  return metric.interval === undefined ? 1 : undefined;
}

/** True when the next measurement would be the last one (the judge's fixed-horizon test speaks then). */
export function nextIsFinal(metric: Metric, result: MetricResult): boolean {
  const planned = plannedCount(metric);
  return planned !== undefined && decidedCount(result) + 1 >= planned;
}

/**
 * A compare metric (per-step or request judge) without `count` has no last look of its own: it runs until the run is terminated
 * (a background analysis the controller ends when the rollout completes), and its looks until then are Running.
 * Its verdict is a final look (the fixed-horizon test; the request judge's last, deciding look) taken at termination; only once it is measuring
 * (a metric still in its initialDelay would look before its window filled).
 */
export function takesFinalLookAtTermination(metric: Metric, result: MetricResult): boolean {
  // A Job still running at termination is deleted by that look (measure-job.ts).
  if (awaitedJob(metric, result)) return true;
  return (metric.compare?.query !== undefined || metric.compare?.requests !== undefined) && plannedCount(metric) === undefined && result.phase === "Running";
}

export function addMeasurement(metric: Metric, result: MetricResult, measurement: Measurement): MetricResult {
  const phase = measurement.phase;
  // A later look at the awaited Job replaces its Running measurement (which was never counted).
  const awaited = awaitedJob(metric, result);
  const earlier = awaited && awaited.measurement.startedAt === measurement.startedAt ? (result.measurements ?? []).slice(0, -1) : (result.measurements ?? []);
  const measurements = [...earlier, measurement].slice(-metric.measurementRetention);
  if (metric.provider.job && phase === "Running") return { ...result, measurements, ...(measurement.message !== undefined ? { message: measurement.message } : {}) };
  const next: MetricResult = {
    ...result,
    measurements,
    count: result.count + 1,
    successful: result.successful + (phase === "Successful" ? 1 : 0),
    failed: result.failed + (phase === "Failed" ? 1 : 0),
    inconclusive: result.inconclusive + (phase === "Inconclusive" ? 1 : 0),
    error: result.error + (phase === "Error" ? 1 : 0),
    consecutiveError: phase === "Error" ? result.consecutiveError + 1 : 0,
    // An error interrupts a success streak too: a streak must be measured, not assumed across an outage.
    consecutiveSuccess: phase === "Successful" ? result.consecutiveSuccess + 1 : 0,
  };
  return { ...next, ...(measurement.message !== undefined ? { message: measurement.message } : {}) };
}

const lastMessage = (result: MetricResult) => result.measurements?.at(-1)?.message;

/** The metric's phase (and a message when it is decided) from its counters; `terminated` stops it where it is. */
export function decideMetric(metric: Metric, result: MetricResult, terminated: boolean): { phase: AnalysisPhase; message?: string } {
  const last = lastMessage(result);
  const tail = last ? `; last: ${last}` : "";
  if (result.failed > metric.failureLimit) {
    return { phase: "Failed", message: `${result.failed} failed measurement(s), limit ${metric.failureLimit}${tail}` };
  }
  if (result.consecutiveError > metric.consecutiveErrorLimit) {
    return { phase: "Failed", message: `${result.consecutiveError} consecutive errors, limit ${metric.consecutiveErrorLimit}${tail}` };
  }
  if (result.inconclusive > metric.inconclusiveLimit) {
    return { phase: "Inconclusive", message: `${result.inconclusive} inconclusive measurement(s), limit ${metric.inconclusiveLimit}${tail}` };
  }
  if (metric.consecutiveSuccessLimit !== undefined && result.consecutiveSuccess >= metric.consecutiveSuccessLimit) {
    return { phase: "Successful", message: `${result.consecutiveSuccess} consecutive successful measurements${tail}` };
  }
  const planned = plannedCount(metric);
  const complete = planned !== undefined && decidedCount(result) >= planned;
  if (complete || terminated) {
    if (result.successful > 0) {
      return { phase: "Successful", message: `${result.successful} of ${result.count} measurements successful${terminated && !complete ? " (terminated)" : ""}${tail}` };
    }
    if (terminated && result.count === 0) return { phase: "Inconclusive", message: "terminated before any measurement" };
    return { phase: "Inconclusive", message: `no successful measurement${terminated && !complete ? " before termination" : ""}${tail}` };
  }
  return { phase: result.count > 0 || awaitedJob(metric, result) ? "Running" : "Pending" };
}
