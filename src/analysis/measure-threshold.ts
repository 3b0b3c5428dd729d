/**
 * One threshold measurement (I/O through the provider): render the query with the arguments, query, count the
 * samples (minSamples.query), check a histogram_quantile for capping, then assess (pure, assess-threshold.ts).
 * Every failure becomes an Error measurement whose message says what went wrong; nothing throws.
 */
import type { Measurement } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import type { MetricProvider, ProviderFailure, QueryContext, ResolvedArgs } from "../providers/types.ts";
import { assessThreshold } from "./assess-threshold.ts";
import { checkCapping, parseQuantileQuery, type CappingCheck, type QuantileQuery } from "./quantile-capping.ts";
import { earlyMeasurementHint } from "./query-ranges.ts";
import { instantValues } from "./values.ts";

export interface MeasureInput {
  readonly provider: MetricProvider;
  readonly metric: Metric;
  readonly args: ResolvedArgs;
  readonly context: QueryContext;
  readonly at: Date;
  /** The clock, for finishedAt. */
  readonly now: () => Date;
  /** When the AnalysisRun started, to tell a measurement taken before its query's window filled. */
  readonly analysisStartedAt?: Date | undefined;
}

export function describeFailure(failure: ProviderFailure): string {
  const retried = failure.attempts > 1 ? ` (after ${failure.attempts} attempts)` : "";
  switch (failure.kind) {
    case "unreachable":
      return `Prometheus unreachable${retried}: ${failure.message}`;
    case "timeout":
      return `query timed out${retried}: ${failure.message}`;
    case "bad-query":
      return `query rejected by Prometheus (fix the query): ${failure.message}`;
    default:
      return `${failure.kind}${retried}: ${failure.message}`;
  }
}

export function errorMeasurement(startedAt: Date, finishedAt: Date, message: string, warnings: readonly string[] = []): Measurement {
  return {
    phase: "Error",
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    message,
    ...(warnings.length > 0 ? { warnings: [...warnings] } : {}),
  };
}

async function countSamples(input: MeasureInput, warnings: string[]): Promise<number | string | undefined> {
  const { provider, metric } = input;
  if (!metric.minSamples) return undefined;
  const rendered = provider.render(metric.minSamples.query, input.args);
  if (!rendered.ok) return `minSamples.query: ${rendered.message}`;
  const outcome = await provider.instant(metric, rendered.query, input.at, input.context);
  if (!outcome.ok) return `minSamples.query: ${describeFailure(outcome)}`;
  warnings.push(...outcome.warnings);
  const values = instantValues(outcome.value);
  if (values.kind === "unsupported") return `minSamples.query: ${values.message}`;
  // No series = no requests at all: zero samples, which the assessment reports as not enough data.
  return values.kind === "empty" ? 0 : values.all.reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
}

async function capping(input: MeasureInput, parsed: QuantileQuery | undefined, warnings: string[]): Promise<CappingCheck | undefined> {
  if (!parsed) return undefined;
  const outcome = await input.provider.instant(input.metric, parsed.inner, input.at, input.context);
  if (!outcome.ok) {
    warnings.push(`could not check the quantile for capping: ${describeFailure(outcome)}`);
    return undefined;
  }
  return checkCapping(parsed.quantile, outcome.value.series);
}

export async function measureThreshold(input: MeasureInput): Promise<Measurement> {
  const { provider, metric, at } = input;
  const template = metric.provider.prometheus?.query;
  if (template === undefined) return errorMeasurement(at, input.now(), "metric has no query");
  const rendered = provider.render(template, input.args);
  if (!rendered.ok) return errorMeasurement(at, input.now(), rendered.message);
  const outcome = await provider.instant(metric, rendered.query, at, input.context);
  if (!outcome.ok) return errorMeasurement(at, input.now(), describeFailure(outcome));
  const warnings = [...outcome.warnings];
  const samples = await countSamples(input, warnings);
  if (typeof samples === "string") return errorMeasurement(at, input.now(), samples, warnings);
  const quantileQuery = parseQuantileQuery(rendered.query);
  const cap = await capping(input, quantileQuery, warnings);
  const assessment = assessThreshold({ metric, result: outcome.value, samples, capping: cap, quantile: quantileQuery?.quantile });
  const hint = assessment.shortOfData ? earlyMeasurementHint(rendered.query, at, input.analysisStartedAt) : undefined;
  return {
    phase: assessment.phase,
    ...(assessment.value !== undefined ? { value: assessment.value } : {}),
    startedAt: at.toISOString(),
    finishedAt: input.now().toISOString(),
    message: hint ? `${assessment.message}; ${hint}` : assessment.message,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(assessment.metadata ? { metadata: { ...assessment.metadata } } : {}),
  };
}
