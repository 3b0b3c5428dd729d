/**
 * How to reach one metric's Prometheus: base URL (the metric's address or the controller default), headers,
 * credentials and TLS, with secrets read from the AnalysisRun's namespace at query time (so a rotated token is
 * picked up on the next measurement, and secret values are never copied into the AnalysisRun).
 */
import { Agent as HttpsAgent } from "node:https";
import type { PrometheusProvider } from "../api/metric.ts";
import { durationToMs } from "../api/duration.ts";
import type { ProviderFailure } from "./types.ts";

/** Reads one key of a Secret; undefined when the Secret or the key does not exist. */
export type SecretReader = (namespace: string, name: string, key: string) => Promise<string | undefined>;

export interface PrometheusConnection {
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly httpsAgent?: HttpsAgent;
  readonly timeoutMs: number;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

const configFailure = (message: string): ProviderFailure => ({ ok: false, kind: "config", message, attempts: 0 });

async function secretValue(read: SecretReader, namespace: string, ref: { name: string; key: string }, what: string): Promise<string | ProviderFailure> {
  try {
    const value = await read(namespace, ref.name, ref.key);
    return value ?? configFailure(`${what}: Secret ${namespace}/${ref.name} has no key "${ref.key}" (or does not exist)`);
  } catch (error) {
    return { ok: false, kind: "unreachable", message: `${what}: cannot read Secret ${namespace}/${ref.name}: ${error instanceof Error ? error.message : String(error)}`, attempts: 1 };
  }
}

export async function resolveConnection(
  settings: PrometheusProvider,
  defaultAddress: string | undefined,
  namespace: string,
  readSecret: SecretReader,
): Promise<PrometheusConnection | ProviderFailure> {
  const address = settings.address ?? defaultAddress;
  if (!address) return configFailure("no Prometheus address: set provider.prometheus.address or start the controller with --prometheus-address");
  const headers: Record<string, string> = {};
  for (const header of settings.headers ?? []) headers[header.key] = header.value;

  const auth = settings.authentication;
  if (auth?.bearerTokenSecretRef) {
    const token = await secretValue(readSecret, namespace, auth.bearerTokenSecretRef, "bearer token");
    if (typeof token !== "string") return token;
    headers.Authorization = `Bearer ${token.trim()}`;
  } else if (auth?.basic) {
    const user = await secretValue(readSecret, namespace, auth.basic.usernameSecretRef, "basic auth username");
    if (typeof user !== "string") return user;
    const password = await secretValue(readSecret, namespace, auth.basic.passwordSecretRef, "basic auth password");
    if (typeof password !== "string") return password;
    headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }

  let httpsAgent: HttpsAgent | undefined;
  if (settings.tls) {
    let ca: string | undefined;
    if (settings.tls.caSecretRef) {
      const read = await secretValue(readSecret, namespace, settings.tls.caSecretRef, "TLS CA");
      if (typeof read !== "string") return read;
      ca = read;
    }
    httpsAgent = new HttpsAgent({ ...(ca ? { ca } : {}), rejectUnauthorized: !settings.tls.insecureSkipVerify });
  }
  const timeoutMs = durationToMs(settings.timeout) ?? DEFAULT_QUERY_TIMEOUT_MS;
  return { baseUrl: address.replace(/\/+$/, ""), headers, ...(httpsAgent ? { httpsAgent } : {}), timeoutMs };
}
