/**
 * One Prometheus API call with bounded retries. Transient trouble (network errors, 5xx, Prometheus' `timeout` /
 * `unavailable`) is retried with exponential backoff and jitter (p-retry); a query Prometheus rejects
 * (`bad_data`, `execution`) is a configuration error and is reported at once with Prometheus' own message.
 */
import axios, { AxiosError } from "axios";
import pRetry from "p-retry";
import type { PrometheusConnection } from "./prometheus-connection.ts";
import { parseEnvelope } from "./prometheus-envelope.ts";
import type { ProviderFailure, ProviderFailureKind, ProviderOutcome, QueryResult } from "./types.ts";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, minDelayMs: 250, maxDelayMs: 2_000 };

/** An attempt's failure, thrown inside p-retry so it can decide; `retryable` says whether another try may help. */
class AttemptFailure extends Error {
  readonly kind: ProviderFailureKind;
  readonly retryable: boolean;
  constructor(kind: ProviderFailureKind, message: string, retryable: boolean) {
    super(message);
    this.name = "AttemptFailure";
    this.kind = kind;
    this.retryable = retryable;
  }
}

const RETRYABLE_ERROR_TYPES = new Set(["timeout", "unavailable", "internal", "canceled"]);

function failureOfErrorType(errorType: string, error: string, status: number): AttemptFailure {
  const message = `Prometheus ${errorType} (HTTP ${status}): ${error}`;
  if (errorType === "timeout") return new AttemptFailure("timeout", message, true);
  if (RETRYABLE_ERROR_TYPES.has(errorType)) return new AttemptFailure("server", message, true);
  if (errorType === "bad_data" || errorType === "execution") return new AttemptFailure("bad-query", message, false);
  return new AttemptFailure("config", message, false);
}

function failureOfNetwork(error: AxiosError, url: string, timeoutMs: number): AttemptFailure {
  if (error.code === "ECONNABORTED" || error.code === "ETIMEDOUT") {
    return new AttemptFailure("timeout", `no answer from ${url} within ${timeoutMs} ms`, true);
  }
  return new AttemptFailure("unreachable", `cannot reach Prometheus at ${url}: ${error.code ?? ""} ${error.message}`.replace(/\s+/g, " ").trim(), true);
}

async function attempt(connection: PrometheusConnection, path: string, params: URLSearchParams): Promise<{ result: QueryResult; warnings: readonly string[] }> {
  const url = `${connection.baseUrl}${path}`;
  let response;
  try {
    response = await axios.post(url, params.toString(), {
      headers: { ...connection.headers, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      timeout: connection.timeoutMs,
      ...(connection.httpsAgent ? { httpsAgent: connection.httpsAgent } : {}),
      // Every HTTP status is inspected below: Prometheus reports query errors as 400/422/503 with a JSON body.
      validateStatus: () => true,
      maxRedirects: 0,
    });
  } catch (error) {
    if (error instanceof AxiosError) throw failureOfNetwork(error, url, connection.timeoutMs);
    throw new AttemptFailure("unreachable", `cannot reach Prometheus at ${url}: ${String(error)}`, true);
  }
  const parsed = parseEnvelope(response.data);
  if (parsed.status === "success" && response.status < 300) return { result: parsed.result, warnings: parsed.warnings };
  if (parsed.status === "error") throw failureOfErrorType(parsed.errorType, parsed.error, response.status);
  const reason = parsed.status === "invalid" ? parsed.reason : "success envelope with an error status";
  if (response.status >= 500) throw new AttemptFailure("server", `HTTP ${response.status} from ${url}: ${reason}`, true);
  if (response.status === 401 || response.status === 403) {
    throw new AttemptFailure("config", `HTTP ${response.status} from ${url}: check provider.prometheus.authentication`, false);
  }
  if (response.status >= 300) throw new AttemptFailure("config", `HTTP ${response.status} from ${url}: ${reason}`, false);
  throw new AttemptFailure("invalid-response", `${url}: ${reason}`, false);
}

/** POST `params` to `path` (`/api/v1/query` or `/api/v1/query_range`); never throws. */
export async function callPrometheus(
  connection: PrometheusConnection,
  path: string,
  params: URLSearchParams,
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<ProviderOutcome<QueryResult>> {
  let attempts = 0;
  try {
    const { result, warnings } = await pRetry(
      async () => {
        attempts++;
        return attempt(connection, path, params);
      },
      {
        retries: retry.retries,
        minTimeout: retry.minDelayMs,
        maxTimeout: retry.maxDelayMs,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof AttemptFailure && error.retryable,
      },
    );
    return { ok: true, value: result, warnings };
  } catch (error) {
    const failure: ProviderFailure =
      error instanceof AttemptFailure
        ? { ok: false, kind: error.kind, message: error.message, attempts }
        : { ok: false, kind: "unreachable", message: error instanceof Error ? error.message : String(error), attempts };
    return failure;
  }
}
