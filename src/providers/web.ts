/**
 * The web metric provider (Argo Rollouts' `web`): one HTTP request, its JSON answer, the value `jsonPath`
 * selects. `{{args.NAME}}` is replaced as written in the url, header values and body, as Argo does. Failures come
 * back as data, never as throws; the caller turns them into Error measurements (never a pass).
 */
import { Agent } from "node:https";
import axios, { AxiosError } from "axios";
import type { WebProvider } from "../api/metric.ts";
import type { JsonValue } from "../util/json.ts";
import { evaluateJsonPath, JsonPathError, parseJsonPath } from "../util/jsonpath.ts";
import { fillArgs } from "./resolved-args.ts";
import type { ResolvedArgs } from "./types.ts";

export type WebOutcome = { ok: true; value: JsonValue } | { ok: false; message: string };

const insecureAgent = new Agent({ rejectUnauthorized: false });

export async function callWeb(web: WebProvider, args: ResolvedArgs): Promise<WebOutcome> {
  const url = fillArgs(web.url, args);
  if (!url.ok) return url;
  const headers: Record<string, string> = {};
  for (const h of web.headers ?? []) {
    const value = fillArgs(h.value, args);
    if (!value.ok) return value;
    headers[h.key] = value.text;
  }
  let data: string | undefined;
  if (web.jsonBody !== undefined) {
    const body = fillArgs(JSON.stringify(web.jsonBody), args);
    if (!body.ok) return body;
    data = body.text;
    headers["Content-Type"] ??= "application/json";
  } else if (web.body !== undefined) {
    const body = fillArgs(web.body, args);
    if (!body.ok) return body;
    data = body.text;
  }
  let jsonPath: ReturnType<typeof parseJsonPath> | undefined;
  try {
    jsonPath = web.jsonPath === undefined ? undefined : parseJsonPath(web.jsonPath);
  } catch (error) {
    return { ok: false, message: `provider.web.jsonPath "${web.jsonPath ?? ""}" cannot be read: ${error instanceof JsonPathError ? error.message : String(error)}` };
  }
  const where = `${web.method} ${url.text}`;
  let response;
  try {
    response = await axios.request({
      url: url.text,
      method: web.method,
      headers: { Accept: "application/json", ...headers },
      ...(data !== undefined ? { data } : {}),
      timeout: web.timeoutSeconds * 1000,
      ...(web.insecure ? { httpsAgent: insecureAgent } : {}),
      // The text is parsed here, so that a non-JSON answer is reported as such.
      responseType: "text",
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
    });
  } catch (error) {
    if (error instanceof AxiosError && (error.code === "ECONNABORTED" || error.code === "ETIMEDOUT")) return { ok: false, message: `${where}: no answer within ${web.timeoutSeconds}s (provider.web.timeoutSeconds)` };
    const detail = error instanceof AxiosError ? `${error.code ?? ""} ${error.message}` : String(error);
    return { ok: false, message: `${where}: cannot reach it: ${detail.replace(/\s+/g, " ").trim()}` };
  }
  // answer: status judges the status code alone (Flagger's webhooks); a 5xx is then a value, not an Error.
  if (web.answer === "status") return { ok: true, value: response.status };
  const text = typeof response.data === "string" ? response.data : String(response.data);
  if (response.status < 200 || response.status >= 300) return { ok: false, message: `${where}: HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}` };
  let body: JsonValue;
  try {
    body = JSON.parse(text) as JsonValue;
  } catch {
    return { ok: false, message: `${where}: the answer is not JSON (${text.slice(0, 80)})` };
  }
  if (!jsonPath) return { ok: true, value: body };
  const found = evaluateJsonPath(jsonPath, body);
  if (found.length === 0) return { ok: false, message: `${where}: jsonPath ${web.jsonPath ?? ""} matches nothing in the answer` };
  return { ok: true, value: found.length === 1 ? (found[0] as JsonValue) : found };
}
