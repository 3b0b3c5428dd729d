/**
 * When a metric is next due (pure). Derived only from the stored status (the run's start and the last
 * measurement's start), never from memory, so a restarted runner keeps the cadence instead of measuring
 * everything at once or starting the intervals over.
 */
import type { MetricResult } from "../api/analysis-run.ts";
import { durationToMs } from "../api/duration.ts";
import type { Metric } from "../api/metric.ts";
import { awaitedJob } from "./metric-progress.ts";

const msOf = (value: string | number | undefined) => (value === undefined ? 0 : (durationToMs(value) ?? 0));

/** Time of the next measurement, or undefined when the metric takes no more (decided or measured once). */
export function nextDue(metric: Metric, result: MetricResult, runStartedAt: Date): Date | undefined {
  if (result.phase !== "Pending" && result.phase !== "Running") return undefined;
  const last = result.measurements?.at(-1);
  if (!last) return new Date(runStartedAt.getTime() + msOf(metric.initialDelay));
  // A job metric's Running measurement awaits its Job: look at it whenever the run is looked at.
  if (awaitedJob(metric, result)) return new Date(Date.parse(last.startedAt ?? "") || runStartedAt.getTime());
  const lastStart = Date.parse(last.startedAt ?? last.finishedAt ?? "");
  const interval = msOf(metric.interval);
  // Without an interval a metric is measured until one measurement decides (errors are retried every 10 s).
  const spacing = interval > 0 ? interval : ERROR_RETRY_MS;
  return Number.isNaN(lastStart) ? new Date(runStartedAt.getTime()) : new Date(lastStart + spacing);
}

export const ERROR_RETRY_MS = 10_000;
