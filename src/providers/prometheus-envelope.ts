/**
 * Prometheus HTTP API responses, checked with zod before anything reads them: a proxy's HTML error page or a
 * changed format becomes an "invalid response" with the reason, not a crash or a silently wrong number.
 * https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview
 */
import { z } from "zod";
import type { QueryResult, SamplePoint, Series } from "./types.ts";

/** Sample values are strings: decimal numbers or "NaN", "+Inf", "-Inf" (Go's strconv.FormatFloat 'f'/-1 form). */
const sampleValue = z.string().transform((text, ctx): number => {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) {
    ctx.addIssue({ code: "custom", message: `not a sample value: ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return value;
});

const point = z.tuple([z.number(), sampleValue]);
const labels = z.record(z.string(), z.string());

const vectorData = z.object({
  resultType: z.literal("vector"),
  // Native-histogram samples carry `histogram` instead of `value`; we only query float series, so one is required.
  result: z.array(z.object({ metric: labels, value: point })),
});
const matrixData = z.object({
  resultType: z.literal("matrix"),
  result: z.array(z.object({ metric: labels, values: z.array(point) })),
});
const scalarData = z.object({ resultType: z.literal("scalar"), result: point });
const stringData = z.object({ resultType: z.literal("string"), result: z.tuple([z.number(), z.string()]) });

const successEnvelope = z.object({
  status: z.literal("success"),
  data: z.discriminatedUnion("resultType", [vectorData, matrixData, scalarData, stringData]),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

const errorEnvelope = z.object({
  status: z.literal("error"),
  errorType: z.string(),
  error: z.string(),
  warnings: z.array(z.string()).optional(),
});

/** A vector or matrix whose samples are native histograms (`histogram`/`histograms` instead of `value`/`values`). */
const nativeHistogramSamples = z.object({
  status: z.literal("success"),
  data: z.object({ result: z.array(z.union([z.object({ histogram: z.unknown() }), z.object({ histograms: z.unknown() })])).min(1) }),
});

export type PrometheusErrorType = "bad_data" | "execution" | "timeout" | "canceled" | "internal" | "not_found" | "not_acceptable" | "unavailable" | string;

export type ParsedEnvelope =
  | { readonly status: "success"; readonly result: QueryResult; readonly warnings: readonly string[] }
  | { readonly status: "error"; readonly errorType: PrometheusErrorType; readonly error: string }
  | { readonly status: "invalid"; readonly reason: string };

function toResult(data: z.output<typeof successEnvelope>["data"]): QueryResult {
  const series = (metric: Record<string, string>, points: SamplePoint[]): Series => ({ labels: metric, points });
  switch (data.resultType) {
    case "vector":
      return { resultType: "vector", series: data.result.map((s) => series(s.metric, [s.value])) };
    case "matrix":
      return { resultType: "matrix", series: data.result.map((s) => series(s.metric, s.values)) };
    case "scalar":
      return { resultType: "scalar", series: [series({}, [data.result])] };
    case "string":
      return { resultType: "string", series: [] };
  }
}

/** Read one response body (already JSON-decoded, or a string when it was not JSON). */
export function parseEnvelope(body: unknown): ParsedEnvelope {
  const success = successEnvelope.safeParse(body);
  if (success.success) {
    return {
      status: "success",
      result: toResult(success.data.data),
      warnings: [...(success.data.warnings ?? []), ...(success.data.infos ?? []).map((info) => `info: ${info}`)],
    };
  }
  const failure = errorEnvelope.safeParse(body);
  if (failure.success) return { status: "error", errorType: failure.data.errorType, error: failure.data.error };
  if (typeof body === "string") return { status: "invalid", reason: `not a Prometheus API response: ${body.slice(0, 120).replace(/\s+/g, " ")}` };
  if (nativeHistogramSamples.safeParse(body).success) {
    return { status: "invalid", reason: "the query returned native histogram samples; wrap it in histogram_quantile(), histogram_count() or histogram_fraction() to get numbers" };
  }
  const issue = success.error.issues[0];
  return { status: "invalid", reason: `unexpected response shape${issue ? ` at ${issue.path.join(".") || "(root)"}: ${issue.message}` : ""}` };
}
