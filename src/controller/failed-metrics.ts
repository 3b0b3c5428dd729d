/**
 * The metrics that failed (or errored) a finished AnalysisRun, as data: its name, the latest value the runner
 * stored and the condition it was judged by. decide() puts them in the abort's Event (EventDetails) so
 * notifications read them from there, not from the run's message text. Read from the run's own status (what
 * the runner wrote), so a restarted controller finds the same ones.
 */
import { z } from "zod";
import { analysisPhaseSchema } from "../api/analysis-run.ts";
import { metricConditionSchema } from "../api/metric.ts";
import { describeCondition } from "../analysis/conditions.ts";
import type { FailedMetric } from "../core/plan.ts";

const FAILING = new Set(["Failed", "Error"]);

const runFields = z.looseObject({
  spec: z
    .looseObject({
      metrics: z
        .array(z.looseObject({ name: z.string(), dryRun: z.boolean().optional(), successCondition: metricConditionSchema.optional(), failureCondition: metricConditionSchema.optional() }))
        .optional(),
    })
    .optional(),
  status: z
    .looseObject({
      phase: analysisPhaseSchema.optional(),
      metricResults: z
        .array(z.looseObject({ name: z.string(), phase: analysisPhaseSchema, measurements: z.array(z.looseObject({ value: z.string().optional() })).optional() }))
        .optional(),
    })
    .optional(),
});

/**
 * Failed metrics first, then errored ones, as the run's message names the worst first. A failed measurement
 * met the failure condition when there is one (with both, a success condition not met is Inconclusive), else
 * missed the success condition; a judge or Job metric has neither, and no condition is given.
 */
export function failedMetricsOf(run: unknown): FailedMetric[] {
  const parsed = runFields.safeParse(run);
  if (!parsed.success || !FAILING.has(parsed.data.status?.phase ?? "")) return [];
  const metrics = parsed.data.spec?.metrics ?? [];
  const results = (parsed.data.status?.metricResults ?? []).filter((r) => FAILING.has(r.phase) && metrics.find((m) => m.name === r.name)?.dryRun !== true);
  const ordered = [...results.filter((r) => r.phase === "Failed"), ...results.filter((r) => r.phase === "Error")];
  return ordered.map((result) => {
    const metric = metrics.find((m) => m.name === result.name);
    const condition = result.phase === "Failed" ? (metric?.failureCondition ?? metric?.successCondition) : undefined;
    return { metric: result.name, value: result.measurements?.at(-1)?.value, condition: condition === undefined ? undefined : describeCondition(condition) };
  });
}

type Loose = Record<string, unknown>;
const isRecord = (value: unknown): value is Loose => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What the informer cache keeps of a run's metrics: of a Failed or Error run, its failing metrics' conditions
 * and latest value, in the run's own shape (so failedMetricsOf reads the cached and the full object alike);
 * of any other run, nothing. A handful of strings per failed run, against every measurement of every run.
 */
export function trimToFailedMetrics(run: Loose): void {
  const spec = isRecord(run.spec) ? run.spec : undefined;
  const status = isRecord(run.status) ? run.status : undefined;
  const failing = failedMetricsOf(run).map((m) => m.metric);
  const keep = (list: unknown, fields: (item: Loose) => Loose): Loose[] | undefined => {
    const items = Array.isArray(list) ? list.filter((item): item is Loose => isRecord(item) && failing.includes(String(item.name))) : [];
    return items.length > 0 ? items.map(fields) : undefined;
  };
  const metrics = keep(spec?.metrics, ({ name, successCondition, failureCondition }) => ({ name, ...(successCondition !== undefined ? { successCondition } : {}), ...(failureCondition !== undefined ? { failureCondition } : {}) }));
  const results = keep(status?.metricResults, ({ name, phase, measurements }) => {
    const last = Array.isArray(measurements) ? measurements.at(-1) : undefined;
    const value = isRecord(last) ? last.value : undefined;
    return { name, phase, ...(typeof value === "string" ? { measurements: [{ value }] } : {}) };
  });
  if (spec) {
    if (metrics) spec.metrics = metrics;
    else delete spec.metrics;
  }
  if (status) {
    if (results) status.metricResults = results;
    else delete status.metricResults;
  }
}
