/**
 * The Prometheus MetricProvider: instant and range queries over the HTTP API (axios), zod-checked responses,
 * bounded retries with jitter (p-retry), per-query timeout, bearer/basic auth and TLS CA from Secrets, custom
 * headers. Address defaults to the controller's `--prometheus-address`.
 */
import type { Metric } from "../api/metric.ts";
import { resolveConnection, type SecretReader } from "./prometheus-connection.ts";
import { callPrometheus, DEFAULT_RETRY, type RetryPolicy } from "./prometheus-http.ts";
import { renderPromQL } from "./promql-args.ts";
import type { MetricProvider, ProviderOutcome, QueryContext, QueryResult, RenderOutcome, ResolvedArgs } from "./types.ts";

export interface PrometheusProviderOptions {
  /** Used when a metric names no address. */
  readonly defaultAddress?: string | undefined;
  readonly readSecret: SecretReader;
  readonly retry?: RetryPolicy;
}

/** Prometheus takes times as unix seconds (fractions allowed). */
const unixSeconds = (date: Date) => (date.getTime() / 1000).toFixed(3);

export class PrometheusProvider implements MetricProvider {
  readonly type = "prometheus";
  private readonly options: PrometheusProviderOptions;

  constructor(options: PrometheusProviderOptions) {
    this.options = options;
  }

  render(template: string, args: ResolvedArgs, extra?: ReadonlyMap<string, string>): RenderOutcome {
    return renderPromQL(template, args, extra);
  }

  instant(metric: Metric, query: string, at: Date, context: QueryContext): Promise<ProviderOutcome<QueryResult>> {
    return this.call(metric, "/api/v1/query", { query, time: unixSeconds(at) }, context);
  }

  range(metric: Metric, query: string, from: Date, to: Date, stepSeconds: number, context: QueryContext): Promise<ProviderOutcome<QueryResult>> {
    // query_range refuses more than 11,000 points per series; say so before asking rather than after.
    const points = Math.floor((to.getTime() - from.getTime()) / 1000 / stepSeconds) + 1;
    if (points > 11_000) {
      return Promise.resolve({ ok: false, kind: "config", message: `range of ${points} points exceeds Prometheus' limit of 11000; use a longer step or a shorter window`, attempts: 0 });
    }
    return this.call(metric, "/api/v1/query_range", { query, start: unixSeconds(from), end: unixSeconds(to), step: String(stepSeconds) }, context);
  }

  private async call(metric: Metric, path: string, params: Record<string, string>, context: QueryContext): Promise<ProviderOutcome<QueryResult>> {
    const settings = metric.provider.prometheus;
    if (!settings) return { ok: false, kind: "config", message: `metric ${metric.name} has no prometheus provider`, attempts: 0 };
    const connection = await resolveConnection(settings, this.options.defaultAddress, context.namespace, this.options.readSecret);
    if ("ok" in connection) return connection;
    // Prometheus' own evaluation timeout, a little under ours so its message (naming the query) arrives first.
    const evaluationTimeout = `${Math.max(1, Math.floor((connection.timeoutMs * 0.9) / 1000))}s`;
    return callPrometheus(connection, path, new URLSearchParams({ ...params, timeout: evaluationTimeout }), this.options.retry ?? DEFAULT_RETRY);
  }
}
