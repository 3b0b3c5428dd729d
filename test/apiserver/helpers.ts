// Shared helpers for the API server tests: a server with the fixture CRD, and a small fetch
// wrapper that returns status, headers and parsed JSON.
import { fileURLToPath } from "node:url";
import { startApiServer, type ApiServer, type ApiServerOptions } from "../../src/sandbox/apiserver/index.ts";

export const widgetCrdFile = fileURLToPath(new URL("./fixtures/widgets-crd.yaml", import.meta.url));
export const WIDGETS = "/apis/fixtures.sluice.dev/v1/namespaces/default/widgets";

export async function startTestServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  return startApiServer({ preload: [widgetCrdFile], readyDelayMs: 50, ...options });
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function call(server: ApiServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function widget(name: string, spec: Record<string, unknown> = { image: "w:1" }, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "fixtures.sluice.dev/v1", kind: "Widget", metadata: { name, ...extra }, spec };
}

/** Poll until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 3000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function meta(obj: Record<string, unknown>): Record<string, unknown> {
  return (obj["metadata"] ?? {}) as Record<string, unknown>;
}
