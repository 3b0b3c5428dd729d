/** One analysis metric: how to measure it, how to judge a measurement, and the limits that end the run. */
import { z } from "zod";
import { compareStepSeconds, pointsInWindow } from "./compare-window.ts";
import { durationToMs, formatDuration } from "./duration.ts";
import { conditionExpressionProblem } from "./condition-expression.ts";
import { duration, exactlyOneOf, intOrPercent, intRange, secretKeyRef, stringMap } from "./fields.ts";
import { podTemplateSchema } from "./pod-template.ts";

/**
 * A condition on a measurement: a structured threshold ({max: 0.01}, {min: 0.99}, or both) or a CEL
 * expression over `result` ("result < 0.01"; "result[0] < 0.01" as Argo users write it works too). In the CRD this node preserves unknown fields, since
 * a structural schema cannot say "string or object"; zod checks it.
 */
export const thresholdSchema = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((t) => t.min !== undefined || t.max !== undefined, { message: "must set min, max or both" });

export const metricConditionSchema = z
  .union([z.string().min(1), thresholdSchema], {
    error: 'must be a threshold such as {max: 0.01} or a CEL expression such as "result < 0.01"',
  })
  .superRefine((condition, ctx) => {
    const problem = typeof condition === "string" ? conditionExpressionProblem(condition) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({
    "x-kubernetes-preserve-unknown-fields": true,
    description: 'A threshold {min, max} on the measured value, or a CEL expression over `result` ("result < 0.01").',
  });

/** A `{{args.NAME}}` placeholder written as is (provider.prometheus.address, provider.web). */
export const ARG_PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_][-A-Za-z0-9_.]*)\s*\}\}/g;

export const prometheusAuthSchema = exactlyOneOf({
  bearerTokenSecretRef: secretKeyRef()
    .optional()
    .describe("Secret key holding a bearer token, sent as `Authorization: Bearer <token>`; read at every measurement."),
  basic: z
    .strictObject({
      usernameSecretRef: secretKeyRef().describe("Secret key holding the user name."),
      passwordSecretRef: secretKeyRef().describe("Secret key holding the password."),
    })
    .optional()
    .describe("HTTP basic authentication, with the user name and password read from Secrets at every measurement."),
});

/** An HTTP header sent with a request (Prometheus queries, web metrics). */
const headerSchema = () =>
  z
    .strictObject({
      key: z.string().min(1).describe("Name of the HTTP header."),
      value: z.string().describe("Value of the HTTP header."),
    })
    .describe("An HTTP header.");

export const prometheusProviderSchema = z.strictObject({
  /** `{{args.NAME}}` may stand in it (Argo's habit: one template for several Prometheus instances). */
  address: z
    .string()
    .refine((a) => URL.canParse(a.replace(ARG_PLACEHOLDER, "arg")) || URL.canParse(a.replace(ARG_PLACEHOLDER, "http://arg")), { error: "must be a URL such as http://prometheus.monitoring:9090 (or with {{args.NAME}} in it)" })
    .optional()
    .describe("Base URL of Prometheus, e.g. http://prometheus.monitoring:9090; {{args.NAME}} may stand in it. Absent = the controller's --prometheus-address."),
  query: z
    .string()
    .min(1)
    .optional()
    .describe("PromQL query of a threshold metric, judged by successCondition/failureCondition; {{args.NAME}} is replaced by the argument's value, escaped. Not with compare (which has its own query)."),
  timeout: duration()
    .default("30s")
    .describe('Timeout of each query request, a duration ("30s") or whole seconds; a transient failure is retried (up to 3 times). Default "30s".'),
  headers: z.array(headerSchema()).optional().describe("HTTP headers sent with every query."),
  authentication: prometheusAuthSchema
    .optional()
    .describe("Credentials for Prometheus: exactly one of bearerTokenSecretRef or basic."),
  tls: z
    .strictObject({
      caSecretRef: secretKeyRef()
        .optional()
        .describe("Secret key holding the PEM CA certificate(s) that Prometheus' certificate must chain to. Absent = the system's CAs."),
      insecureSkipVerify: z.boolean().default(false).describe("Skip verifying Prometheus' TLS certificate. Default false."),
    })
    .optional()
    .describe("TLS settings for an https address."),
});

/**
 * Argo Rollouts' `web` provider: an HTTP request whose JSON answer (or the part `jsonPath` selects) is the
 * measured value. `{{args.NAME}}` is replaced in the url, header values and body; an arg from a Secret is
 * masked wherever the request is described (status, logs, Events).
 */
export const webProviderSchema = z.strictObject({
  url: z
    .string()
    .min(1, { error: "must be the URL to call, e.g. http://metrics.example/api/score?app={{args.app}}" })
    .describe("URL to call, e.g. http://metrics.example/api/score?app={{args.app}}; {{args.NAME}} is replaced as written."),
  method: z.enum(["GET", "POST", "PUT"]).default("GET").describe('HTTP method: GET, POST or PUT (POST or PUT to send a body). Default "GET".'),
  headers: z
    .array(headerSchema())
    .optional()
    .describe("HTTP headers sent with the request; {{args.NAME}} is replaced in their values."),
  body: z
    .string()
    .optional()
    .describe("Request body (POST, PUT), sent as given after {{args.NAME}} is replaced. Not with jsonBody."),
  jsonBody: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("Request body as a JSON object (POST, PUT), sent with content-type application/json. Not with body."),
  timeoutSeconds: intRange(1, 600)
    .default(10)
    .describe("Seconds (1-600) to wait for the answer; a timeout is an Error measurement. Default 10."),
  jsonPath: z
    .string()
    .min(1)
    .optional()
    .describe('Kubernetes JSONPath selecting the value in the JSON answer, e.g. "{$.data.ok}". Absent = the whole answer; not with answer: status.'),
  insecure: z.boolean().default(false).describe("Skip TLS certificate verification. Default false."),
  /**
   * What the measurement's value is. `json` (default, as Argo): the JSON answer, or the part jsonPath selects;
   * an answer other than 2xx is an Error. `status`: the HTTP status code as a number, whatever it is, and the
   * body is not read; judge it with a condition such as `result >= 200 && result < 300` (Flagger's webhooks).
   */
  answer: z
    .enum(["json", "status"])
    .default("json")
    .describe('What the value is: "json" (the JSON answer, or what jsonPath selects; a non-2xx answer is an Error) or "status" (the HTTP status code, body unread). Default "json".'),
}).refine((web) => !(web.answer === "status" && web.jsonPath !== undefined), {
  path: ["jsonPath"],
  error: "jsonPath reads the JSON body, which answer: status does not read; drop jsonPath or set answer: json",
});

/**
 * Argo Rollouts' `job` provider: each measurement runs a Kubernetes Job (batch/v1); the Job's outcome is the
 * verdict (Complete = Successful, Failed = Failed), so a job metric takes no conditions. The spec is a JobSpec,
 * kept as written beyond the fields sluice reads; `{{args.NAME}}` is replaced as written in its strings.
 */
export const jobProviderSchema = z.strictObject({
  metadata: z
    .strictObject({
      labels: stringMap().optional().describe("Labels of the Job (key: value)."),
      annotations: stringMap().optional().describe("Annotations of the Job (key: value)."),
    })
    .optional()
    .describe("Labels and annotations of the Job (sluice adds its own labels tying it to the AnalysisRun)."),
  spec: z
    .looseObject({
      template: podTemplateSchema
        .extend({
          spec: podTemplateSchema.shape.spec
            .extend({
              restartPolicy: z
                .enum(["Never", "OnFailure"], { error: `must be "Never" or "OnFailure": a Job's pods run to completion (Kubernetes refuses "Always")` })
                .describe('Restart policy of the Job\'s pods: "Never" or "OnFailure" (a Job\'s pods run to completion).'),
            })
            .describe("The pod spec (a core/v1 PodSpec); sluice reads containers and restartPolicy and keeps every other field as given."),
        })
        .describe("The pod template of the Job's pods; {{args.NAME}} is replaced in its strings."),
      backoffLimit: intRange(0)
        .optional()
        .describe("Retries before the Job is Failed. Absent = Kubernetes' default, 6."),
      activeDeadlineSeconds: intRange(1)
        .optional()
        .describe("Seconds the Job may run before Kubernetes marks it Failed."),
    })
    .describe("The Job's spec, a batch/v1 JobSpec kept as written beyond template, backoffLimit and activeDeadlineSeconds."),
});

export const metricProviderSchema = exactlyOneOf({
  prometheus: prometheusProviderSchema
    .optional()
    .describe("Measure with a Prometheus query (query with conditions, or compare for canary vs stable)."),
  web: webProviderSchema
    .optional()
    .describe("Argo Rollouts' web provider: an HTTP request whose JSON answer (or status code) is the measured value."),
  job: jobProviderSchema
    .optional()
    .describe("Argo Rollouts' job provider: each measurement runs a Kubernetes Job; Complete is Successful, Failed is Failed."),
});

/**
 * The request judge's queries: per side, the counters themselves (not increase() or rate(): the judge takes the
 * differences between its looks, which are exact; increase() extrapolates and would overstate the evidence).
 * `latency`: cumulative histogram buckets by `le`; `errors` with `requests`: failed and all requests.
 * `{{podTemplateHash}}` (and `{{sides.NAME}}`, the arg canary-NAME or stable-NAME) is filled per side.
 */
export const requestJudgeSchema = z.strictObject({
  latency: z
    .string()
    .min(1)
    .optional()
    .describe('PromQL for the cumulative latency histogram buckets per side, the counters themselves by le, e.g. sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{podTemplateHash}}"}). Not with errors.'),
  errors: z
    .string()
    .min(1)
    .optional()
    .describe('PromQL for the failed-requests counter per side, e.g. sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."}); needs requests. Not with latency.'),
  requests: z
    .string()
    .min(1)
    .optional()
    .describe("PromQL for the counter of all requests per side, among which errors are counted; required with errors."),
  levels: z
    .array(z.number().gt(0).lt(1))
    .min(1)
    .optional()
    .describe("With latency: quantile levels (between 0 and 1) of the pooled requests whose bucket bounds are tested. Absent = 0.5, 0.99 and 0.999; not with slowerThan."),
  slowerThan: z
    .array(z.number().positive())
    .min(1)
    .optional()
    .describe("With latency: bucket bounds to test, in the histogram's unit, instead of levels."),
  minRequests: intRange(1)
    .default(500)
    .describe("Requests each side must have served before the judge may pass the canary (fewer at the last look is Inconclusive). Default 500."),
});

/**
 * Canary-vs-stable statistical comparison (the judge): `requests` (the request judge, on counts) or `query`
 * (the per-step judge, on a series). `{{podTemplateHash}}` is filled per side.
 */
export const compareSchema = z.strictObject({
  query: z
    .string()
    .min(1)
    .optional()
    .describe("Per-step judge: PromQL whose points (one per step per side, over window) are compared; {{podTemplateHash}} is filled per side. Not with requests."),
  requests: requestJudgeSchema
    .optional()
    .describe("The request judge: compares the requests each side served (errors, or latency buckets) from their counters. Not with query."),
  direction: z
    .enum(["increase", "decrease", "either"])
    .default("increase")
    .describe('Which change is bad: "increase" (latency, errors), "decrease" (throughput) or "either". Default "increase"; must be increase with requests.'),
  maxIncrease: intOrPercent()
    .optional()
    .describe('Increase tolerated before the canary counts as worse: "10%" is relative to stable, a bare number absolute in the metric\'s unit (a percentage with requests). Absent = 0.'),
  /**
   * Request judge on errors only: an absolute allowance on the error ratio, "fail only if the canary's error
   * ratio exceeds stable's by more than this" (0.002 = 0.2 percentage points). Instead of maxIncrease.
   */
  maxIncreaseBy: z
    .number({ error: "must be a number, the error ratio's tolerated increase (0.002 = 0.2 percentage points)" })
    .min(0, { error: "must be at least 0 (0.002 = 0.2 percentage points more failed requests than stable)" })
    .lt(1, { error: "must be below 1: it is an increase of the error ratio, a fraction (0.002 = 0.2 percentage points), not a percentage" })
    .optional()
    .describe("With requests.errors only, instead of maxIncrease: fail only if the canary's error ratio exceeds stable's by more than this fraction (0.002 = 0.2 percentage points)."),
  maxDecrease: intOrPercent()
    .optional()
    .describe('Decrease tolerated before the canary counts as worse (direction decrease or either): "10%" is relative to stable, a bare number absolute. Absent = 0; not with requests.'),
  confidence: z
    .number()
    .min(0.5)
    .max(0.9999)
    .default(0.98)
    .describe("Confidence level (0.5-0.9999) of the test; 1 - confidence is the revision's false-abort budget, shared among its judged analyses. Default 0.98."),
  critical: z
    .boolean()
    .default(false)
    .describe("A critical metric failing fails the whole analysis whatever the score; one without data makes it Inconclusive. Default false."),
  minSamples: intRange(1)
    .default(50)
    .describe("Points each side needs before the per-step judge may decide. Default 50."),
  /**
   * Range query window and step; window defaults to the metric's interval, lengthened to hold 2·minSamples points
   * (compare-window.ts). A window that cannot hold minSamples points is refused.
   */
  window: duration()
    .optional()
    .describe("Span of the range query the per-step judge compares, a duration or whole seconds. Absent = the metric's interval, lengthened to hold 2 x minSamples points (16m40s by default); one too short for minSamples is refused."),
  step: duration()
    .default("10s")
    .describe('Resolution of the range query (one point per step per side); make it at least the query\'s rate window. Default "10s".'),
  sequential: z
    .boolean()
    .default(true)
    .describe("Run the anytime-valid sequential test, which may abort a clearly worse canary early; false = the fixed-horizon test at the last look only. Default true."),
});

export const metricNameSchema = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, { error: "must be letters, digits, '-', '_' or '.'" });

export const metricSchema = z.strictObject({
  name: metricNameSchema.describe("Name of the metric, which names its result in the AnalysisRun's status: letters, digits, '-', '_' or '.'."),
  interval: duration()
    .optional()
    .describe('Time between measurements, a duration ("1m") or whole seconds. Absent = measure once.'),
  initialDelay: duration()
    .optional()
    .describe("Time to wait after the run starts before the first measurement, a duration or whole seconds. Absent = measure at once."),
  count: intRange(1)
    .optional()
    .describe("Measurements to take (Errors, which are retried, do not count). Absent = once without an interval, else until the run is terminated."),
  failureLimit: intRange(0)
    .default(0)
    .describe("Failed measurements tolerated; one more fails the metric. Default 0."),
  inconclusiveLimit: intRange(0)
    .default(0)
    .describe("Inconclusive measurements tolerated; one more makes the metric Inconclusive. Default 0."),
  consecutiveErrorLimit: intRange(0)
    .default(4)
    .describe("Consecutive Error measurements (Prometheus unreachable, a bad query) tolerated; one more fails the metric. Default 4."),
  consecutiveSuccessLimit: intRange(1)
    .optional()
    .describe("Consecutive Successful measurements that end the metric early as Successful. Absent = no early end."),
  successCondition: metricConditionSchema
    .optional()
    .describe('A measurement passes when this holds: a threshold {min, max}, or a CEL expression over `result` ("result < 0.01"). Not with provider.job.'),
  failureCondition: metricConditionSchema
    .optional()
    .describe('A measurement fails when this holds: a threshold {min, max}, or a CEL expression over `result` ("result > 0.05"). Not with provider.job.'),
  minSamples: z
    .strictObject({
      query: z.string().min(1).describe("PromQL returning the number of samples behind a measurement."),
      min: intRange(1).describe("Samples required; fewer makes the measurement Inconclusive."),
    })
    .optional()
    .describe("Sample-count query and minimum (provider.prometheus only): too few samples makes the measurement Inconclusive, never a pass."),
  dryRun: z.boolean().default(false).describe("Measured and shown, but never decides the run. Default false."),
  measurementRetention: intRange(1, 1000)
    .default(10)
    .describe("Latest measurements (1-1000) kept in the AnalysisRun status. Default 10."),
  provider: metricProviderSchema.describe("How the metric is measured: exactly one of prometheus, web, job."),
  compare: compareSchema
    .optional()
    .describe("Judge the canary against stable statistically, with requests (the request judge) or query (the per-step judge); needs provider.prometheus."),
}).superRefine((metric, ctx) => {
  if (metric.provider.job) {
    const verdict = "the Job's outcome is the verdict (Complete = Successful, Failed = Failed); remove it";
    for (const field of ["successCondition", "failureCondition"] as const) {
      if (metric[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: `does not apply to provider.job: ${verdict}` });
    }
    if (metric.compare) ctx.addIssue({ code: "custom", path: ["compare"], message: "needs provider.prometheus: a Job passes or fails, it has no value to compare" });
    if (metric.minSamples) ctx.addIssue({ code: "custom", path: ["minSamples"], message: "is a Prometheus query; it does not apply to provider.job" });
    return;
  }
  const web = metric.provider.web;
  if (web) {
    if (metric.compare) ctx.addIssue({ code: "custom", path: ["compare"], message: "needs provider.prometheus: the web provider measures one value, judged by successCondition/failureCondition" });
    if (metric.minSamples) ctx.addIssue({ code: "custom", path: ["minSamples"], message: "is a Prometheus query; it does not apply to provider.web" });
    if (web.body !== undefined && web.jsonBody !== undefined) ctx.addIssue({ code: "custom", path: ["provider", "web", "jsonBody"], message: "cannot be used together with body; keep one of them" });
    if (web.method === "GET" && (web.body !== undefined || web.jsonBody !== undefined)) ctx.addIssue({ code: "custom", path: ["provider", "web", "method"], message: "must be POST or PUT to send a body" });
    requireCondition(metric, ctx);
    return;
  }
  // A metric either compares canary with stable (compare) or checks one query against conditions.
  if (!metric.provider.prometheus) return; // the provider itself is already reported as missing
  const query = metric.provider.prometheus.query;
  if (metric.compare && query !== undefined) {
    ctx.addIssue({ code: "custom", path: ["provider", "prometheus", "query"], message: "must not be set with compare (compare.query is used); remove one" });
  }
  if (!metric.compare && query === undefined) {
    ctx.addIssue({ code: "custom", path: ["provider", "prometheus", "query"], message: "is required (or use compare for a canary-vs-stable judgement)" });
  }
  const compare = metric.compare;
  if (compare) {
    const at = (...path: string[]) => ["compare", ...path];
    if ((compare.query === undefined) === (compare.requests === undefined)) {
      ctx.addIssue({ code: "custom", path: at("requests"), message: "set exactly one of compare.requests (the request judge, on counts) and compare.query (the per-step judge)" });
    }
    if (compare.query !== undefined && compare.window !== undefined) {
      const step = compareStepSeconds(compare);
      const points = pointsInWindow(durationToMs(compare.window) ?? 0, step);
      if (points < compare.minSamples) {
        ctx.addIssue({
          code: "custom",
          path: at("window"),
          message: `holds at most ${points} points at step ${formatDuration(step * 1000)} (one per step), fewer than minSamples ${compare.minSamples}, so the judge could never decide: set window to at least ${formatDuration((compare.minSamples - 1) * step * 1000)}, or lower minSamples to ${points}, or leave window unset (it then holds 2·minSamples points)`,
        });
      }
    }
    const r = compare.requests;
    if (!r && compare.maxIncreaseBy !== undefined) {
      ctx.addIssue({ code: "custom", path: at("maxIncreaseBy"), message: "only applies with requests.errors (the request judge on errors); with query use maxIncrease, a bare number being absolute" });
    }
    if (r) {
      if ((r.latency === undefined) === (r.errors === undefined)) ctx.addIssue({ code: "custom", path: at("requests"), message: "set exactly one of latency and errors" });
      if (r.errors !== undefined && r.requests === undefined) ctx.addIssue({ code: "custom", path: at("requests", "requests"), message: "is required with errors: the requests the errors are counted among" });
      if (r.latency === undefined && (r.levels !== undefined || r.slowerThan !== undefined)) ctx.addIssue({ code: "custom", path: at("requests", r.levels ? "levels" : "slowerThan"), message: "only applies with latency" });
      if (r.levels !== undefined && r.slowerThan !== undefined) ctx.addIssue({ code: "custom", path: at("requests", "slowerThan"), message: "cannot be used together with levels; keep one of them" });
      if (compare.direction !== "increase") ctx.addIssue({ code: "custom", path: at("direction"), message: "must be increase with requests: the request judge tests whether the canary is worse (more errors, more slow requests)" });
      if (compare.maxIncrease !== undefined && typeof compare.maxIncrease !== "string") {
        ctx.addIssue({ code: "custom", path: at("maxIncrease"), message: 'must be a percentage with requests ("10%": up to 10% more failed or slow requests than stable is tolerated)' });
      }
      if (compare.maxIncreaseBy !== undefined && r.errors === undefined) {
        ctx.addIssue({ code: "custom", path: at("maxIncreaseBy"), message: 'only applies with requests.errors (it is an increase of the error ratio); for latency use maxIncrease as a percentage, e.g. "10%"' });
      }
      if (compare.maxIncreaseBy !== undefined && compare.maxIncrease !== undefined) {
        ctx.addIssue({ code: "custom", path: at("maxIncreaseBy"), message: 'cannot be used together with maxIncrease; keep one: maxIncrease: "10%" (relative to stable) or maxIncreaseBy: 0.002 (absolute, of the error ratio)' });
      }
      if (compare.maxDecrease !== undefined) ctx.addIssue({ code: "custom", path: at("maxDecrease"), message: "does not apply with requests (only a worse canary fails)" });
      for (const field of ["latency", "errors", "requests"] as const) {
        const q = r[field];
        if (q !== undefined && /\b(increase|rate|irate|delta|idelta)\s*\(/.test(q)) {
          ctx.addIssue({ code: "custom", path: at("requests", field), message: "must return the counters themselves, e.g. sum by (le) (x_bucket{...}), not increase() or rate(): the judge takes exact differences between its looks" });
        }
      }
    }
  }
  requireCondition(metric, ctx);
}).describe("One metric: how it is measured, how each measurement is judged, and the limits that decide it.");

function requireCondition(metric: { compare?: unknown; successCondition?: unknown; failureCondition?: unknown }, ctx: z.RefinementCtx): void {
  if (!metric.compare && !metric.successCondition && !metric.failureCondition) {
    ctx.addIssue({
      code: "custom",
      path: ["successCondition"],
      message: "is required (or failureCondition): without a condition no measurement could pass or fail, e.g. {max: 0.01}",
    });
  }
}

export type WebProvider = z.infer<typeof webProviderSchema>;
export type JobProvider = z.infer<typeof jobProviderSchema>;
export type MetricCondition = z.infer<typeof metricConditionSchema>;
export type Metric = z.infer<typeof metricSchema>;
export type PrometheusProvider = z.infer<typeof prometheusProviderSchema>;
export type Compare = z.infer<typeof compareSchema>;
export type RequestJudgeSpec = z.infer<typeof requestJudgeSchema>;
