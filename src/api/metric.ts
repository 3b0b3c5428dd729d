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
  .meta({ "x-kubernetes-preserve-unknown-fields": true, description: "threshold {min, max} or CEL expression" });

/** A `{{args.NAME}}` placeholder written as is (provider.prometheus.address, provider.web). */
export const ARG_PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_][-A-Za-z0-9_.]*)\s*\}\}/g;

export const prometheusAuthSchema = exactlyOneOf({
  bearerTokenSecretRef: secretKeyRef().optional(),
  basic: z.strictObject({ usernameSecretRef: secretKeyRef(), passwordSecretRef: secretKeyRef() }).optional(),
});

export const prometheusProviderSchema = z.strictObject({
  /** Prometheus base URL; defaults to the controller's --prometheus-address. */
  /** `{{args.NAME}}` may stand in it (Argo's habit: one template for several Prometheus instances). */
  address: z
    .string()
    .refine((a) => URL.canParse(a.replace(ARG_PLACEHOLDER, "arg")) || URL.canParse(a.replace(ARG_PLACEHOLDER, "http://arg")), { error: "must be a URL such as http://prometheus.monitoring:9090 (or with {{args.NAME}} in it)" })
    .optional(),
  /** PromQL for threshold metrics; `{{args.NAME}}` is replaced by escaped argument values. */
  query: z.string().min(1).optional(),
  timeout: duration().default("30s"),
  headers: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
  authentication: prometheusAuthSchema.optional(),
  tls: z
    .strictObject({ caSecretRef: secretKeyRef().optional(), insecureSkipVerify: z.boolean().default(false) })
    .optional(),
});

/**
 * Argo Rollouts' `web` provider: an HTTP request whose JSON answer (or the part `jsonPath` selects) is the
 * measured value. `{{args.NAME}}` is replaced in the url, header values and body; an arg from a Secret is
 * masked wherever the request is described (status, logs, Events).
 */
export const webProviderSchema = z.strictObject({
  url: z.string().min(1, { error: "must be the URL to call, e.g. http://metrics.example/api/score?app={{args.app}}" }),
  method: z.enum(["GET", "POST", "PUT"]).default("GET"),
  headers: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
  /** Request body (POST, PUT), sent as given. */
  body: z.string().optional(),
  /** Request body as JSON (POST, PUT); sent with content-type application/json. Not with body. */
  jsonBody: z.record(z.string(), z.unknown()).optional(),
  timeoutSeconds: intRange(1, 600).default(10),
  /** Kubernetes JSONPath into the answer, e.g. "{$.data.ok}"; absent = the whole answer. */
  jsonPath: z.string().min(1).optional(),
  /** Skip TLS certificate verification. */
  insecure: z.boolean().default(false),
  /**
   * What the measurement's value is. `json` (default, as Argo): the JSON answer, or the part jsonPath selects;
   * an answer other than 2xx is an Error. `status`: the HTTP status code as a number, whatever it is, and the
   * body is not read; judge it with a condition such as `result >= 200 && result < 300` (Flagger's webhooks).
   */
  answer: z.enum(["json", "status"]).default("json"),
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
  /** Labels and annotations of the Job (sluice adds its own labels tying it to the run). */
  metadata: z.strictObject({ labels: stringMap().optional(), annotations: stringMap().optional() }).optional(),
  spec: z.looseObject({
    template: podTemplateSchema.extend({
      spec: podTemplateSchema.shape.spec.extend({
        restartPolicy: z.enum(["Never", "OnFailure"], { error: `must be "Never" or "OnFailure": a Job's pods run to completion (Kubernetes refuses "Always")` }),
      }),
    }),
    /** Retries before the Job is Failed (Kubernetes' default 6). */
    backoffLimit: intRange(0).optional(),
    activeDeadlineSeconds: intRange(1).optional(),
  }),
});

export const metricProviderSchema = exactlyOneOf({
  prometheus: prometheusProviderSchema.optional(),
  web: webProviderSchema.optional(),
  job: jobProviderSchema.optional(),
});

/**
 * The request judge's queries: per side, the counters themselves (not increase() or rate(): the judge takes the
 * differences between its looks, which are exact; increase() extrapolates and would overstate the evidence).
 * `latency`: cumulative histogram buckets by `le`; `errors` with `requests`: failed and all requests.
 * `{{podTemplateHash}}` (and `{{sides.NAME}}`, the arg canary-NAME or stable-NAME) is filled per side.
 */
export const requestJudgeSchema = z.strictObject({
  /** e.g. sum by (le) (http_request_duration_seconds_bucket{rollouts_pod_template_hash="{{podTemplateHash}}"}) */
  latency: z.string().min(1).optional(),
  /** e.g. sum(http_requests_total{rollouts_pod_template_hash="{{podTemplateHash}}", code=~"5.."}) */
  errors: z.string().min(1).optional(),
  /** The requests errors are counted among (required with errors). */
  requests: z.string().min(1).optional(),
  /** latency: quantile levels of the pooled requests whose bucket bounds are tested (default 0.5, 0.9, 0.99, 0.999). */
  levels: z.array(z.number().gt(0).lt(1)).min(1).optional(),
  /** latency: test these bucket bounds (in the histogram's unit) instead of levels. */
  slowerThan: z.array(z.number().positive()).min(1).optional(),
  /** Requests each side must have served before the judge may pass the canary. */
  minRequests: intRange(1).default(500),
});

/**
 * Canary-vs-stable statistical comparison (the judge): `requests` (the request judge, on counts) or `query`
 * (the per-step judge, on a series). `{{podTemplateHash}}` is filled per side.
 */
export const compareSchema = z.strictObject({
  /** Per-step judge: a query whose points are compared (one number per step per side). */
  query: z.string().min(1).optional(),
  requests: requestJudgeSchema.optional(),
  /** Which change is bad: a higher value (latency, errors), a lower one (throughput), or either. */
  direction: z.enum(["increase", "decrease", "either"]).default("increase"),
  /** Change tolerated before the metric counts as worse: "10%" is relative to stable, a bare number is absolute (in the metric's unit). */
  maxIncrease: intOrPercent().optional(),
  /**
   * Request judge on errors only: an absolute allowance on the error ratio, "fail only if the canary's error
   * ratio exceeds stable's by more than this" (0.002 = 0.2 percentage points). Instead of maxIncrease.
   */
  maxIncreaseBy: z
    .number({ error: "must be a number, the error ratio's tolerated increase (0.002 = 0.2 percentage points)" })
    .min(0, { error: "must be at least 0 (0.002 = 0.2 percentage points more failed requests than stable)" })
    .lt(1, { error: "must be below 1: it is an increase of the error ratio, a fraction (0.002 = 0.2 percentage points), not a percentage" })
    .optional(),
  maxDecrease: intOrPercent().optional(),
  /** Confidence level of the shift interval and the test. */
  confidence: z.number().min(0.5).max(0.9999).default(0.98),
  /** A critical metric failing fails the whole analysis whatever the score. */
  critical: z.boolean().default(false),
  /** Samples per side needed before the comparison may decide. */
  minSamples: intRange(1).default(50),
  /**
   * Range query window and step; window defaults to the metric's interval, lengthened to hold 2·minSamples points
   * (compare-window.ts). A window that cannot hold minSamples points is refused.
   */
  window: duration().optional(),
  step: duration().default("10s"),
  /** Anytime-valid sequential test (may decide early); false = fixed-horizon test only. */
  sequential: z.boolean().default(true),
});

export const metricNameSchema = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, { error: "must be letters, digits, '-', '_' or '.'" });

export const metricSchema = z.strictObject({
  name: metricNameSchema,
  /** Time between measurements; absent = measure once. */
  interval: duration().optional(),
  initialDelay: duration().optional(),
  /** Measurements to take; absent with an interval = until the rollout step ends. */
  count: intRange(1).optional(),
  failureLimit: intRange(0).default(0),
  inconclusiveLimit: intRange(0).default(0),
  consecutiveErrorLimit: intRange(0).default(4),
  consecutiveSuccessLimit: intRange(1).optional(),
  successCondition: metricConditionSchema.optional(),
  failureCondition: metricConditionSchema.optional(),
  /** Sample-count query and minimum: fewer samples makes the measurement Inconclusive, never a pass. */
  minSamples: z.strictObject({ query: z.string().min(1), min: intRange(1) }).optional(),
  /** Measured and shown, never decides the run. */
  dryRun: z.boolean().default(false),
  /** Measurements kept in the AnalysisRun status. */
  measurementRetention: intRange(1, 1000).default(10),
  provider: metricProviderSchema,
  compare: compareSchema.optional(),
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
});

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
