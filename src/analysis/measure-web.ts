/**
 * One measurement of a `provider.web` metric: the HTTP answer's value judged by the metric's conditions (the
 * same rules as a query's: assess-threshold.ts). A failed request is an Error, a null or missing value
 * Inconclusive: neither is ever a pass.
 */
import type { Measurement } from "../api/analysis-run.ts";
import type { Metric } from "../api/metric.ts";
import { callWeb } from "../providers/web.ts";
import type { ResolvedArgs } from "../providers/types.ts";
import { judgeConditions } from "./assess-threshold.ts";
import { errorMeasurement } from "./measure-threshold.ts";
import { formatConditionValue } from "./values.ts";

export async function measureWeb(input: { metric: Metric; args: ResolvedArgs; at: Date; now: () => Date }): Promise<Measurement> {
  const web = input.metric.provider.web;
  if (!web) return errorMeasurement(input.at, input.now(), "metric has no provider.web");
  const outcome = await callWeb(web, input.args);
  if (!outcome.ok) return errorMeasurement(input.at, input.now(), outcome.message);
  const base = { startedAt: input.at.toISOString(), finishedAt: input.now().toISOString() };
  if (outcome.value === null || (typeof outcome.value === "number" && Number.isNaN(outcome.value))) {
    return { ...base, phase: "Inconclusive", value: "null", message: "no data: the answer's value is null" };
  }
  const value = { json: outcome.value };
  const shown = formatConditionValue(value);
  const verdict = judgeConditions(input.metric, value);
  if ("error" in verdict) return { ...base, phase: "Error", value: shown, message: verdict.error };
  return { ...base, phase: verdict.phase, value: shown, message: verdict.why };
}
