/**
 * What the logger must never write: credentials in the fields a log call could carry. Two nets, because paths
 * alone cannot catch an error object (an axios error holds its request's config and the raw request head,
 * Authorization line included, at depths no path list keeps up with):
 * - errors under `err`/`error` are reduced to what helps a reader: type, message (with causes), code, stack,
 *   and for an HTTP client error the method, URL and status;
 * - `redact` censors headers, tokens, passwords, Secret data and resolved argument values wherever a log
 *   call puts them (top level or one object down).
 * Sluice logs none of these on purpose. Free text is not covered: measurement messages are masked before they
 * are logged (analysis/mask-secrets.ts).
 */
import { pino, type LoggerOptions } from "pino";

export const REDACT_PATHS: readonly string[] = [
  ...["authorization", "Authorization", "password", "token", "bearerToken", "secretValue", "stringData", "args", "resolvedArgs"].flatMap((key) => [key, `*.${key}`]),
  ...["headers", "config.headers"].flatMap((at) => [`${at}.authorization`, `${at}.Authorization`, `*.${at}.authorization`, `*.${at}.Authorization`]),
];

const SAFE_ERROR_FIELDS = ["type", "message", "stack", "code", "status", "statusCode"] as const;

/** An error as it may be logged: its own safe fields, never its request, config or response objects. */
export function safeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const full = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of SAFE_ERROR_FIELDS) if (full[field] !== undefined) out[field] = full[field];
  const http = value as { config?: { method?: unknown; url?: unknown }; response?: { status?: unknown } };
  if (typeof http.config?.method === "string") out.method = http.config.method;
  // user:password@ in a URL is a credential too.
  if (typeof http.config?.url === "string") out.url = http.config.url.replace(/\/\/[^/@]*@/, "//");
  if (typeof http.response?.status === "number") out.status = http.response.status;
  return out;
}

export const REDACTION: Pick<LoggerOptions, "redact" | "serializers"> = {
  redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  serializers: { err: safeError, error: safeError },
};
