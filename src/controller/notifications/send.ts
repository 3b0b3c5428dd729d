/**
 * POST one notification to one receiver: axios with a timeout, p-retry on 5xx, timeouts and connection errors,
 * never on 4xx (a receiver refusing the request will refuse it again). Errors name the receiver, never its URL:
 * the URL of a Slack or webhook receiver is itself a credential.
 */
import axios, { AxiosError } from "axios";
import pRetry from "p-retry";
import type { ResolvedReceiver } from "./receivers.ts";

export type SendPolicy = { timeoutMs: number; retries: number; minDelayMs: number; maxDelayMs: number };
export const DEFAULT_SEND_POLICY: SendPolicy = { timeoutMs: 5_000, retries: 3, minDelayMs: 500, maxDelayMs: 4_000 };

/** Bounded label values for sluice_notifications_failed_total. */
export type FailureReason = "timeout" | "connection" | "http_5xx" | "http_4xx" | "config";

export class DeliveryError extends Error {
  readonly reason: FailureReason;
  readonly status: number | undefined;
  readonly retryable: boolean;
  constructor(reason: FailureReason, message: string, status?: number) {
    super(message);
    this.name = "DeliveryError";
    this.reason = reason;
    this.status = status;
    this.retryable = reason !== "http_4xx" && reason !== "config";
  }
}

async function attempt(receiver: ResolvedReceiver, body: unknown, timeoutMs: number, stop: AbortSignal | undefined): Promise<number> {
  let status: number;
  try {
    const response = await axios.post(receiver.url, body, {
      headers: { ...receiver.headers, "Content-Type": "application/json" },
      timeout: timeoutMs,
      // Also bounds a server that sends headers and then stalls the body.
      signal: stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs),
      validateStatus: () => true,
      maxRedirects: 0,
    });
    status = response.status;
  } catch (error) {
    const code = error instanceof AxiosError ? error.code : undefined;
    if (code === "ECONNABORTED" || code === "ETIMEDOUT" || code === "ERR_CANCELED") throw new DeliveryError("timeout", `receiver ${receiver.name}: no answer within ${timeoutMs} ms`);
    throw new DeliveryError("connection", `receiver ${receiver.name}: cannot connect (${code ?? "network error"})`);
  }
  if (status >= 500) throw new DeliveryError("http_5xx", `receiver ${receiver.name} answered HTTP ${status}`, status);
  if (status >= 300) throw new DeliveryError("http_4xx", `receiver ${receiver.name} answered HTTP ${status}; check its URL and headers in the ConfigMap`, status);
  return status;
}

/**
 * The HTTP status delivered with, or throws the last DeliveryError. `onRetry` sees each failed attempt that will
 * be retried; `stop` (the controller shutting down) ends attempts and retries at once.
 */
export async function send(receiver: ResolvedReceiver, body: unknown, policy: SendPolicy, onRetry?: (error: DeliveryError, attempt: number) => void, stop?: AbortSignal): Promise<number> {
  return pRetry(() => attempt(receiver, body, policy.timeoutMs, stop), {
    ...(stop ? { signal: stop } : {}),
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    randomize: true,
    shouldRetry: ({ error }) => error instanceof DeliveryError && error.retryable,
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (error instanceof DeliveryError && error.retryable && retriesLeft > 0) onRetry?.(error, attemptNumber);
    },
  });
}
