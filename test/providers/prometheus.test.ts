/**
 * The Prometheus provider against a scripted HTTP server: envelopes (vector, scalar, matrix, NaN/±Inf,
 * warnings), retries for 5xx/timeout/unavailable, none for bad_data/execution, per-query timeout, credentials
 * and headers from Secrets, and the default address.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { metricSchema, type Metric } from "../../src/api/metric.ts";
import { parseEnvelope } from "../../src/providers/prometheus-envelope.ts";
import { PrometheusProvider } from "../../src/providers/prometheus.ts";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler;
const requests: Array<{ path: string; body: URLSearchParams; headers: IncomingMessage["headers"] }> = [];

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", body: new URLSearchParams(body), headers: req.headers });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  requests.length = 0;
});

const json = (status: number, body: unknown): Handler => (_req, _body, res) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};
const vector = (value: string) => ({ status: "success", data: { resultType: "vector", result: [{ metric: { a: "1" }, value: [1700000000.5, value] }] } });

const metric = (prometheus: Record<string, unknown> = {}): Metric =>
  metricSchema.parse({ name: "m", successCondition: { max: 1 }, provider: { prometheus: { address: url, query: "up", ...prometheus } } });

const secrets: Record<string, string> = { "default/token/t": "s3cret\n", "default/basic/u": "alice", "default/basic/p": "pw" };
const provider = (defaultAddress?: string) =>
  new PrometheusProvider({
    defaultAddress,
    readSecret: async (ns, name, key) => secrets[`${ns}/${name}/${key}`],
    retry: { retries: 2, minDelayMs: 5, maxDelayMs: 10 },
  });
const ctx = { namespace: "default" };
const at = new Date(1_700_000_000_000);

describe("parseEnvelope", () => {
  it("reads vector, scalar and matrix results with special values", () => {
    const v = parseEnvelope({
      status: "success",
      data: { resultType: "vector", result: ["NaN", "+Inf", "-Inf", "0.25", "1e-3"].map((x, i) => ({ metric: { i: String(i) }, value: [1, x] })) },
    });
    assert.equal(v.status, "success");
    assert.deepEqual(v.status === "success" ? v.result.series.map((s) => s.points[0]?.[1]) : [], [Number.NaN, Infinity, -Infinity, 0.25, 0.001]);
    const s = parseEnvelope({ status: "success", data: { resultType: "scalar", result: [2, "3"] } });
    assert.deepEqual(s.status === "success" ? s.result : undefined, { resultType: "scalar", series: [{ labels: {}, points: [[2, 3]] }] });
    const m = parseEnvelope({ status: "success", data: { resultType: "matrix", result: [{ metric: {}, values: [[1, "1"], [2, "NaN"]] }] } });
    assert.equal(m.status === "success" ? m.result.series[0]?.points.length : 0, 2);
  });

  it("keeps warnings and infos", () => {
    const v = parseEnvelope({ ...vector("1"), warnings: ["w1"], infos: ["i1"] });
    assert.deepEqual(v.status === "success" ? v.warnings : [], ["w1", "info: i1"]);
  });

  it("explains native histogram samples instead of failing on their shape", () => {
    const out = parseEnvelope({ status: "success", data: { resultType: "vector", result: [{ metric: {}, histogram: [1, { count: "3", sum: "1", buckets: [] }] }] } });
    assert.equal(out.status, "invalid");
    assert.match(out.status === "invalid" ? out.reason : "", /native histogram samples; wrap it in histogram_quantile/);
  });

  it("reports what is wrong with a malformed body", () => {
    assert.deepEqual(parseEnvelope("<html>502 Bad Gateway</html>"), { status: "invalid", reason: "not a Prometheus API response: <html>502 Bad Gateway</html>" });
    const bad = parseEnvelope({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "abc"] }] } });
    assert.equal(bad.status, "invalid");
    assert.match(bad.status === "invalid" ? bad.reason : "", /data\.result\.0\.value\.1: not a sample value: "abc"/);
  });
});

describe("PrometheusProvider", () => {
  it("runs an instant query with time and timeout", async () => {
    handler = json(200, vector("0.5"));
    const out = await provider().instant(metric({ timeout: "10s" }), "sum(x)", at, ctx);
    assert.ok(out.ok);
    assert.deepEqual(out.value.series[0]?.points, [[1700000000.5, 0.5]]);
    assert.equal(requests[0]?.path, "/api/v1/query");
    assert.equal(requests[0]?.body.get("query"), "sum(x)");
    assert.equal(requests[0]?.body.get("time"), "1700000000.000");
    assert.equal(requests[0]?.body.get("timeout"), "9s");
  });

  it("runs a range query and refuses more than 11,000 points before asking", async () => {
    handler = json(200, { status: "success", data: { resultType: "matrix", result: [] } });
    const out = await provider().range(metric(), "x", new Date(at.getTime() - 60_000), at, 10, ctx);
    assert.ok(out.ok);
    assert.equal(requests[0]?.path, "/api/v1/query_range");
    assert.equal(requests[0]?.body.get("step"), "10");
    const tooMany = await provider().range(metric(), "x", new Date(at.getTime() - 12_000_000), at, 1, ctx);
    assert.equal(tooMany.ok, false);
    assert.equal(requests.length, 1);
  });

  it("retries 503/unavailable and 5xx, then succeeds", async () => {
    let calls = 0;
    handler = (req, body, res) => {
      calls++;
      if (calls === 1) return json(503, { status: "error", errorType: "unavailable", error: "starting up" })(req, body, res);
      if (calls === 2) {
        res.writeHead(502);
        return res.end("bad gateway");
      }
      return json(200, vector("1"))(req, body, res);
    };
    const out = await provider().instant(metric(), "x", at, ctx);
    assert.ok(out.ok);
    assert.equal(calls, 3);
  });

  it("gives up after the bounded retries with the last reason", async () => {
    handler = json(503, { status: "error", errorType: "timeout", error: "query timed out in expression evaluation" });
    const out = await provider().instant(metric(), "x", at, ctx);
    assert.deepEqual(out, { ok: false, kind: "timeout", message: "Prometheus timeout (HTTP 503): query timed out in expression evaluation", attempts: 3 });
  });

  it("does not retry bad_data or execution errors", async () => {
    for (const [status, errorType] of [[400, "bad_data"], [422, "execution"]] as const) {
      requests.length = 0;
      handler = json(status, { status: "error", errorType, error: "parse error at char 5" });
      const out = await provider().instant(metric(), "x(", at, ctx);
      assert.equal(out.ok, false);
      assert.equal(out.ok ? "" : out.kind, "bad-query");
      assert.equal(out.ok ? 0 : out.attempts, 1);
      assert.equal(requests.length, 1);
    }
  });

  it("times out a slow answer per query and retries it", async () => {
    handler = (_req, _body, res) => setTimeout(() => json(200, vector("1"))(_req, _body, res), 1500);
    const started = Date.now();
    const out = await provider().instant(metric({ timeout: "1s" }), "x", at, ctx);
    assert.equal(out.ok, false);
    assert.equal(out.ok ? "" : out.kind, "timeout");
    assert.ok(Date.now() - started < 4500);
  });

  it("reports an unreachable Prometheus after retrying", async () => {
    const out = await provider().instant(metric({ address: "http://127.0.0.1:1" }), "x", at, ctx);
    assert.equal(out.ok, false);
    assert.equal(out.ok ? "" : out.kind, "unreachable");
    assert.equal(out.ok ? 0 : out.attempts, 3);
  });

  it("sends a bearer token or basic credentials from Secrets, and custom headers", async () => {
    handler = json(200, vector("1"));
    await provider().instant(metric({ authentication: { bearerTokenSecretRef: { name: "token", key: "t" } }, headers: [{ key: "X-Scope-OrgID", value: "team-a" }] }), "x", at, ctx);
    assert.equal(requests[0]?.headers.authorization, "Bearer s3cret");
    assert.equal(requests[0]?.headers["x-scope-orgid"], "team-a");
    await provider().instant(metric({ authentication: { basic: { usernameSecretRef: { name: "basic", key: "u" }, passwordSecretRef: { name: "basic", key: "p" } } } }), "x", at, ctx);
    assert.equal(requests[1]?.headers.authorization, `Basic ${Buffer.from("alice:pw").toString("base64")}`);
  });

  it("a missing Secret or address is a configuration failure that names it", async () => {
    const noSecret = await provider().instant(metric({ authentication: { bearerTokenSecretRef: { name: "gone", key: "t" } } }), "x", at, ctx);
    assert.deepEqual(noSecret, { ok: false, kind: "config", message: 'bearer token: Secret default/gone has no key "t" (or does not exist)', attempts: 0 });
    const noAddress = await provider().instant(metricSchema.parse({ name: "m", successCondition: { max: 1 }, provider: { prometheus: { query: "up" } } }), "x", at, ctx);
    assert.equal(noAddress.ok ? "" : noAddress.kind, "config");
  });

  it("uses the controller's default address when the metric names none", async () => {
    handler = json(200, vector("1"));
    const out = await provider(url).instant(metricSchema.parse({ name: "m", successCondition: { max: 1 }, provider: { prometheus: { query: "up" } } }), "x", at, ctx);
    assert.ok(out.ok);
  });

  it("a 401 is a configuration failure; an HTML 200 is an invalid response", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(401);
      res.end("unauthorized");
    };
    const unauthorized = await provider().instant(metric(), "x", at, ctx);
    assert.equal(unauthorized.ok ? "" : unauthorized.kind, "config");
    assert.match(unauthorized.ok ? "" : unauthorized.message, /HTTP 401 .*authentication/);
    handler = (_req, _body, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<html>login</html>");
    };
    const html = await provider().instant(metric(), "x", at, ctx);
    assert.equal(html.ok ? "" : html.kind, "invalid-response");
  });
});
