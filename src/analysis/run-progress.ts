/**
 * The pure half of the AnalysisRun executor: (spec, status, measurements just taken, now) → next status and
 * when each metric is next due. No I/O, no clock of its own: the same input always gives the same output, so
 * it is tested with plain tables and a restart at any point is harmless.
 *
 * Run phase: Pending until first seen, then Running. It ends as soon as a metric that decides (not dryRun) is
 * Failed (run Failed), Error (run Error) or Inconclusive (run Inconclusive), or when all of them are Successful.
 * Dry-run metrics are measured and shown but never decide; a run of only dry-run metrics ends Successful when
 * they are done. `spec.terminate` stops measuring and settles every metric where it stands, after the final look
 * of the metrics that have no last look of their own (finalLooksAtTermination). With `compare`
 * metrics, the judge's 0-100 score over their latest classifications can fail (or hold back) a run whose
 * metrics all completed.
 */
import type { AnalysisPhase, AnalysisRunStatus, Measurement, MetricResult } from "../api/analysis-run.ts";
import type { z } from "zod";
import type { analysisRunSpecSchema } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import { DEFAULT_JUDGE_SETTINGS, scoreMetrics, type MetricOutcome } from "./judge/score.ts";
import type { Classification } from "./judge/classify.ts";
import { addMeasurement, awaitedJob, decideMetric, emptyMetricResult, takesFinalLookAtTermination, TERMINAL_PHASES } from "./metric-progress.ts";
import { nextDue } from "./schedule.ts";

export type AnalysisRunSpec = z.output<typeof analysisRunSpecSchema>;

export interface TakenMeasurement {
  readonly metric: string;
  readonly measurement: Measurement;
}

export interface Progress {
  readonly status: AnalysisRunStatus;
  /**
   * Metrics still measuring and when each is next due (possibly already past). `poll`: the metric waits on a
   * running Job, due at every look; the runner spaces those looks (JOB_POLL_MS).
   */
  readonly due: ReadonlyArray<{ readonly metric: string; readonly at: Date; readonly poll?: true }>;
}

const iso = (date: Date) => date.toISOString();

function resultFor(metric: Metric, status: AnalysisRunStatus | undefined): MetricResult {
  return status?.metricResults?.find((r) => r.name === metric.name) ?? emptyMetricResult(metric);
}

function classificationOf(result: MetricResult): Classification | undefined {
  const value = result.measurements?.at(-1)?.metadata?.classification;
  return value === "High" || value === "Low" || value === "Pass" || value === "NoData" ? value : undefined;
}

/** Worst decided phase among the deciding metrics, in the order that matters to a rollout. */
function worst(results: readonly { metric: Metric; result: MetricResult }[]): { metric: Metric; result: MetricResult } | undefined {
  for (const phase of ["Failed", "Error", "Inconclusive"] as AnalysisPhase[]) {
    const found = results.find((r) => r.result.phase === phase);
    if (found) return found;
  }
  return undefined;
}

/**
 * Metrics to measure once more, as their last look, before a terminated run settles (takesFinalLookAtTermination);
 * none when the run is not terminated or already ended. The caller passes their measurements to advanceRun.
 */
export function finalLooksAtTermination(spec: AnalysisRunSpec, status: AnalysisRunStatus | undefined): string[] {
  if (!spec.terminate || (status?.phase !== undefined && TERMINAL_PHASES.has(status.phase))) return [];
  return spec.metrics.filter((metric) => takesFinalLookAtTermination(metric, resultFor(metric, status))).map((metric) => metric.name);
}

export function advanceRun(spec: AnalysisRunSpec, previous: AnalysisRunStatus | undefined, taken: readonly TakenMeasurement[], now: Date): Progress {
  const alreadyDone = previous?.phase !== undefined && TERMINAL_PHASES.has(previous.phase);
  if (alreadyDone && previous) return { status: previous, due: [] };
  const startedAt = previous?.startedAt ?? iso(now);
  const terminated = spec.terminate;

  const results = spec.metrics.map((metric) => {
    let result = resultFor(metric, previous);
    if (TERMINAL_PHASES.has(result.phase)) return { metric, result };
    for (const t of taken) {
      if (t.metric !== metric.name) continue;
      // Applying the same measurement twice (a retried write after a conflict) must not count it twice.
      // A later look at an awaited Job has its measurement's startedAt: it settles (or repeats) that one.
      const awaited = awaitedJob(metric, result)?.measurement;
      const settles = awaited !== undefined && awaited.startedAt === t.measurement.startedAt;
      if (!settles && result.measurements?.some((m) => m.startedAt !== undefined && m.startedAt === t.measurement.startedAt)) continue;
      result = addMeasurement(metric, result, t.measurement);
    }
    const decided = decideMetric(metric, result, terminated);
    result = { ...result, phase: decided.phase, ...(decided.message !== undefined ? { message: decided.message } : {}) };
    return { metric, result };
  });

  const deciding = results.filter((r) => !r.metric.dryRun);
  const judged = deciding.length > 0 ? deciding : results; // only dry-run metrics: they complete the run, never fail it
  const bad = deciding.length > 0 ? worst(deciding) : undefined;
  const allDone = judged.every((r) => TERMINAL_PHASES.has(r.result.phase));

  let phase: AnalysisPhase = "Running";
  let message: string | undefined;
  let score: number | undefined = previous?.score;
  if (bad) {
    phase = bad.result.phase;
    message = `metric "${bad.metric.name}" ${bad.result.phase === "Failed" ? "failed" : bad.result.phase === "Error" ? "errored" : "was inconclusive"}: ${bad.result.message ?? ""}`;
  } else if (allDone) {
    phase = "Successful";
    message = deciding.length > 0 ? `all ${deciding.length} metric(s) successful` : "dry run: measured only, no metric decides";
    const compared = deciding.filter((r) => r.metric.compare !== undefined);
    if (compared.length > 0) {
      const outcomes: MetricOutcome[] = compared.map((r) => ({
        name: r.metric.name,
        classification: classificationOf(r.result) ?? "NoData",
        critical: r.metric.compare?.critical ?? false,
      }));
      const scored = scoreMetrics(outcomes, spec.judge ?? DEFAULT_JUDGE_SETTINGS);
      score = scored.score;
      if (scored.verdict !== "Successful") phase = scored.verdict;
      message = `${phase === "Successful" ? message : `judge score ${Math.round(scored.score)}`}; judge: ${scored.reason}`;
    }
  }
  if (terminated) message = `terminated: ${message ?? "stopped by the controller"}`;

  const done = TERMINAL_PHASES.has(phase);
  const metricResults = results.map((r) => (done && !TERMINAL_PHASES.has(r.result.phase) ? { ...r.result, phase: "Inconclusive" as const, message: r.result.message ?? "run ended before this metric completed" } : r.result));
  const status: AnalysisRunStatus = {
    ...(previous ?? {}),
    phase,
    ...(message !== undefined ? { message } : {}),
    startedAt,
    ...(done ? { completedAt: previous?.completedAt ?? iso(now) } : {}),
    metricResults,
    ...(score !== undefined ? { score } : {}),
  };
  const due = done
    ? []
    : results
        .map((r) => ({ metric: r.metric.name, at: nextDue(r.metric, r.result, new Date(startedAt)), ...(awaitedJob(r.metric, r.result) ? { poll: true as const } : {}) }))
        .filter((d): d is { metric: string; at: Date; poll?: true } => d.at !== undefined);
  return { status, due };
}
