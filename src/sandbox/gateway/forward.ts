/** Sending one request on to an endpoint (streamed both ways), and fire-and-forget mirror copies. */
import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Endpoint } from "./endpoint-table.ts";

/** Connection-scoped headers a proxy must not pass on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

export function forwardableHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  return out;
}

export interface ForwardOptions {
  readonly agent: Agent;
  readonly timeoutMs: number;
  /** Extra response headers (e.g. which Service served). */
  readonly responseHeaders: Readonly<Record<string, string>>;
}

/** Proxies `req` to `endpoint`, answering 502 on a connection error and 504 on timeout before any response. */
export function forward(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, options: ForwardOptions): void {
  const upstream = request(
    { host: endpoint.host, port: endpoint.port, method: req.method, path: req.url, headers: forwardableHeaders(req.headers), agent: options.agent, timeout: options.timeoutMs },
    (answer) => {
      const headers = { ...forwardableHeaders(answer.headers), ...options.responseHeaders };
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    },
  );
  upstream.on("timeout", () => upstream.destroy(new Error("upstream timeout")));
  upstream.on("error", (error) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const timedOut = error.message === "upstream timeout";
    res.writeHead(timedOut ? 504 : 502, { "content-type": "text/plain", ...options.responseHeaders });
    res.end(timedOut ? "upstream timed out\n" : `upstream error: ${error.message}\n`);
  });
  // A client that goes away cancels the upstream request too.
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

/** A copy of a request whose answer nobody reads (RequestMirror): failures are ignored, as a mirror's are. */
export function mirror(req: IncomingMessage, body: Buffer, endpoint: Endpoint, agent: Agent, timeoutMs: number): void {
  const copy = request(
    { host: endpoint.host, port: endpoint.port, method: req.method, path: req.url, headers: forwardableHeaders(req.headers), agent, timeout: timeoutMs },
    (answer) => answer.resume(),
  );
  copy.on("timeout", () => copy.destroy());
  copy.on("error", () => undefined);
  copy.end(body);
}
