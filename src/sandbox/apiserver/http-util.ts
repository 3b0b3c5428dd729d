// Small HTTP helpers: JSON bodies (with cached per-object serialisation, since stored objects
// are immutable and the same object is often sent to many watchers), Status errors, headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./errors.ts";
import type { JsonObject, JsonValue } from "../../util/json.ts";
import { decodeKubernetesProtobuf } from "./protobuf.ts";

const serialized = new WeakMap<object, string>();

/** JSON text of a stored object, computed once per object identity. */
export function serialize(value: JsonValue): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const cached = serialized.get(value);
  if (cached !== undefined) return cached;
  const text = JSON.stringify(value);
  serialized.set(value, text);
  return text;
}

export function sendJsonText(res: ServerResponse, code: number, text: string, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendJson(res: ServerResponse, code: number, body: JsonValue, headers: Record<string, string | string[]> = {}): void {
  sendJsonText(res, code, JSON.stringify(body), headers);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string | string[]> = {}): void {
  sendJson(res, error.code, error.toStatus(), { ...headers, ...error.headers });
}

/** The Go default mux answer for unknown paths; client-go maps it to NotFound. */
export function sendPlainNotFound(res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
  res.end("404 page not found\n");
}

/** RFC 7230 quoted-string of a warning text (`Warning: 299 - "..."`). */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new ApiError(413, "BadRequest", "Request entity too large: limit is 3145728");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Decode a JSON, YAML or (for a few kinds) protobuf request body; empty → undefined. */
export function decodeBody(body: Buffer, contentType: string): unknown {
  if (contentType === "application/vnd.kubernetes.protobuf" && body.length > 0) {
    try {
      return decodeKubernetesProtobuf(body);
    } catch (e) {
      throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (contentType.includes("protobuf") || contentType.includes("cbor")) {
    throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    if (contentType === "application/yaml" || contentType === "application/apply-patch+yaml") return parseYaml(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`the body of the request was in an unknown format: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Does the Accept header ask for a meta.k8s.io Table (v1 or v1beta1) first? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  for (const part of accept.split(",")) {
    const params = part.split(";").map((p) => p.trim());
    const as = params.find((p) => p.startsWith("as="))?.slice(3);
    const g = params.find((p) => p.startsWith("g="))?.slice(2);
    if (as === "Table" && g === "meta.k8s.io") return true;
    if (as === undefined) return false;
  }
  return false;
}

export function listBody(apiVersion: string, kind: string, listMeta: JsonObject, items: readonly JsonObject[]): string {
  const head = JSON.stringify({ apiVersion, kind, metadata: listMeta });
  return `${head.slice(0, -1)},"items":[${items.map((i) => serialize(i)).join(",")}]}`;
}
