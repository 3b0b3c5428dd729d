/**
 * The measurements due in one pass over a run, taken in parallel (I/O through the provider). Each comes back as
 * a measurement, errors included; nothing throws. Secret argument values are masked out of each before it goes
 * anywhere (status, logs).
 */
import type { AnalysisRunStatus } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import { fillArgs } from "../providers/resolved-args.ts";
import type { JobClient, MetricProvider, ResolvedArgs } from "../providers/types.ts";
import type { JobOwner } from "./job-manifest.ts";
import { measureJob } from "./measure-job.ts";
import type { RunBudget } from "./false-abort-budget.ts";
import { maskMeasurement } from "./mask-secrets.ts";
import { measureCompare } from "./measure-compare.ts";
import { measureRequests } from "./measure-requests.ts";
import { errorMeasurement, measureThreshold } from "./measure-threshold.ts";
import { measureWeb } from "./measure-web.ts";
import { emptyMetricResult, nextIsFinal } from "./metric-progress.ts";
import { CANARY_HASH_ARG, STABLE_HASH_ARG, type ArgsOutcome } from "./resolve-args.ts";
import type { TakenMeasurement } from "./run-progress.ts";

export interface TakeInput {
  readonly provider: MetricProvider;
  readonly metrics: readonly Metric[];
  readonly status: AnalysisRunStatus;
  readonly args: ArgsOutcome;
  readonly namespace: string;
  readonly at: Date;
  readonly now: () => Date;
  /** Fallback pod-template hashes (from the Rollout's status) when the args do not carry them. */
  readonly hashes?: { readonly canary?: string | undefined; readonly stable?: string | undefined };
  /** From the whole run's spec (runBudget), not from the metrics due now. */
  readonly budget: RunBudget;
  /** Each measurement is its metric's last look (the run is being terminated: finalLooksAtTermination). */
  readonly final?: boolean;
  /** Job metrics: where their Jobs are made, and the run that owns them. Absent = no cluster (sluice analyze). */
  readonly jobs?: { readonly client: JobClient; readonly owner: JobOwner };
}

/** provider.prometheus.address with its {{args.NAME}} filled (Argo's habit), or why it cannot be. */
function withAddressArgs(metric: Metric, args: ResolvedArgs): Metric | { error: string } {
  const prometheus = metric.provider.prometheus;
  if (prometheus?.address === undefined || !prometheus.address.includes("{{")) return metric;
  const filled = fillArgs(prometheus.address, args, "provider.prometheus.address");
  if (!filled.ok) return { error: filled.message };
  return { ...metric, provider: { ...metric.provider, prometheus: { ...prometheus, address: filled.text } } };
}

export async function takeMeasurements(input: TakeInput): Promise<TakenMeasurement[]> {
  const { args } = input;
  return Promise.all(
    input.metrics.map(async (given): Promise<TakenMeasurement> => {
      if (!args.ok) return { metric: given.name, measurement: errorMeasurement(input.at, input.now(), args.message) };
      const metric = withAddressArgs(given, args.args);
      if ("error" in metric) return { metric: given.name, measurement: maskMeasurement(errorMeasurement(input.at, input.now(), metric.error), args.args) };
      const startedAt = input.status.startedAt ? new Date(input.status.startedAt) : undefined;
      const common = { provider: input.provider, metric, args: args.args, context: { namespace: input.namespace }, at: input.at, now: input.now, analysisStartedAt: startedAt };
      if (metric.provider.job) {
        const result = input.status.metricResults?.find((r) => r.name === metric.name) ?? emptyMetricResult(metric);
        const measurement = input.jobs
          ? await measureJob({ jobs: input.jobs.client, owner: input.jobs.owner, metric, result, args: args.args, at: input.at, now: input.now, final: input.final === true })
          : errorMeasurement(input.at, input.now(), "provider.job runs a Job, which needs a cluster: only an AnalysisRun measures it");
        return { metric: metric.name, measurement: maskMeasurement(measurement, args.args) };
      }
      if (metric.provider.web) return { metric: metric.name, measurement: maskMeasurement(await measureWeb(common), args.args) };
      if (!metric.compare) return { metric: metric.name, measurement: maskMeasurement(await measureThreshold(common), args.args) };
      const result = input.status.metricResults?.find((r) => r.name === metric.name) ?? emptyMetricResult(metric);
      // Both judges: the two sides' hashes, the state of their latest look that carried one (an Error in between
      // carries none), and whether this look is the last.
      const sides = {
        ...common,
        canaryHash: args.args.values.get(CANARY_HASH_ARG) ?? input.hashes?.canary,
        stableHash: args.args.values.get(STABLE_HASH_ARG) ?? input.hashes?.stable,
        final: input.final === true || nextIsFinal(metric, result),
        budget: input.budget,
      };
      const stateKey = metric.compare.requests ? "requestState" : "sequentialState";
      const previous = result.measurements?.findLast((m) => m.metadata?.[stateKey] !== undefined)?.metadata;
      const measurement = metric.compare.requests ? await measureRequests({ ...sides, previous }) : await measureCompare({ ...sides, previous });
      return { metric: metric.name, measurement: maskMeasurement(measurement, args.args) };
    }),
  );
}
