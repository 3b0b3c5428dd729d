/**
 * The contract between the analysis executor and a metrics backend. A provider runs queries and reports what it
 * got; it never judges. Failures come back as data (`ok: false` with a kind and a message), never as throws, so
 * the executor can turn each into the right measurement phase (Error, never Successful).
 */
import type { Metric } from "../api/metric.ts";
import type { KubeObject } from "../kube/kube-object.ts";

/** Where an argument's value was read from: named in messages instead of the value. */
export interface SecretSource {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
}

/**
 * Argument values after resolution (secrets read), by name. `secrets` says which of them came from a Secret,
 * so a message about such an argument names the Secret and never quotes the value, and any text that reaches
 * status or logs has the value masked (analysis/mask-secrets.ts).
 */
export interface ResolvedArgs {
  readonly values: ReadonlyMap<string, string>;
  readonly secrets: ReadonlyMap<string, SecretSource>;
}

/** One point: [unix seconds, value]; value may be NaN or ±Infinity (Prometheus' "NaN", "+Inf", "-Inf"). */
export type SamplePoint = readonly [timestamp: number, value: number];

/** One series of a result: its labels and its points (an instant vector element has exactly one point). */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly SamplePoint[];
}

export type ResultType = "vector" | "scalar" | "matrix" | "string";

export interface QueryResult {
  readonly resultType: ResultType;
  readonly series: readonly Series[];
}

/** Why a query produced no result. `config` and `bad-query` are the user's to fix; the others may pass. */
export type ProviderFailureKind =
  /** Connection refused, DNS, TLS or socket errors: Prometheus could not be reached. */
  | "unreachable"
  /** Our per-query timeout, or Prometheus' own `timeout` error. */
  | "timeout"
  /** Prometheus answered 5xx / `unavailable` / `internal`. */
  | "server"
  /** `bad_data` / `execution`: the query is wrong; retrying cannot help. */
  | "bad-query"
  /** The answer was not a Prometheus API response (a proxy's HTML page, a changed format). */
  | "invalid-response"
  /** The metric's provider settings cannot be used (missing address, Secret or key). */
  | "config";

export interface ProviderFailure {
  readonly ok: false;
  readonly kind: ProviderFailureKind;
  readonly message: string;
  /** Attempts made, retries included. */
  readonly attempts: number;
}

export interface ProviderSuccess<T> {
  readonly ok: true;
  readonly value: T;
  /** Prometheus' `warnings` and `infos`, shown with the measurement. */
  readonly warnings: readonly string[];
}

export type ProviderOutcome<T> = ProviderSuccess<T> | ProviderFailure;

/** Where the query runs: the AnalysisRun's namespace is where Secrets named by the metric are read. */
export interface QueryContext {
  readonly namespace: string;
}

/** A query whose text cannot be built safely from the arguments (see promql-args.ts). */
export interface RenderFailure {
  readonly ok: false;
  readonly message: string;
}

export type RenderOutcome = { readonly ok: true; readonly query: string } | RenderFailure;

export interface MetricProvider {
  readonly type: string;
  /** Fill `{{args.NAME}}` (and the extra placeholders, such as `podTemplateHash`) escaped for the query language. */
  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>): RenderOutcome;
  /** The value of `query` at `at`. */
  instant(metric: Metric, query: string, at: Date, context: QueryContext): Promise<ProviderOutcome<QueryResult>>;
  /** Samples of `query` from `from` to `to` every `stepSeconds` (canary-vs-stable comparison, backtests). */
  range(metric: Metric, query: string, from: Date, to: Date, stepSeconds: number, context: QueryContext): Promise<ProviderOutcome<QueryResult>>;
}

/**
 * Where a Job metric's Jobs live (batch/v1). As with queries, failures are data: `ok: false` with a message the
 * measurement carries (an Error, never a pass).
 */
export type JobCallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export interface JobClient {
  /** Creates the Job; one of that name that already exists (409 AlreadyExists) comes back as is, `existed: true`. */
  create(job: KubeObject): Promise<JobCallOutcome<{ job: KubeObject; existed: boolean }>>;
  /** The Job, or undefined when it is gone. */
  get(namespace: string, name: string): Promise<JobCallOutcome<KubeObject | undefined>>;
  /** Deletes the Job and (propagationPolicy Background) its pods; a Job already gone is fine. */
  delete(namespace: string, name: string): Promise<JobCallOutcome<void>>;
}
