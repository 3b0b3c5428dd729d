/** TLS to Prometheus: CA from a Secret, refusal of an unknown CA, insecureSkipVerify. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { metricSchema } from "../../src/api/metric.ts";
import { PrometheusProvider } from "../../src/providers/prometheus.ts";
import { generateTlsMaterial, type TlsMaterial } from "../../src/sandbox/apiserver/tls.ts";

describe("PrometheusProvider over TLS", () => {
  let server: Server;
  let url: string;
  let tls: TlsMaterial;

  before(async () => {
    tls = generateTlsMaterial();
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ status: "success", data: { resultType: "scalar", result: [1, "7"] } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const provider = () =>
    new PrometheusProvider({
      readSecret: async (ns, name, key) => (ns === "team" && name === "prom-ca" && key === "ca.crt" ? tls.caCertPem : undefined),
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 },
    });
  const metric = (tlsSettings?: Record<string, unknown>) =>
    metricSchema.parse({ name: "m", successCondition: { max: 1 }, provider: { prometheus: { address: url, query: "x", ...(tlsSettings ? { tls: tlsSettings } : {}) } } });
  const ctx = { namespace: "team" };

  it("trusts the CA from the Secret", async () => {
    const out = await provider().instant(metric({ caSecretRef: { name: "prom-ca", key: "ca.crt" } }), "x", new Date(), ctx);
    assert.ok(out.ok, out.ok ? "" : out.message);
    assert.equal(out.value.series[0]?.points[0]?.[1], 7);
  });

  it("refuses a certificate from an unknown CA", async () => {
    const out = await provider().instant(metric(), "x", new Date(), ctx);
    assert.equal(out.ok, false);
    assert.equal(out.ok ? "" : out.kind, "unreachable");
    assert.match(out.ok ? "" : out.message, /certificate/i);
  });

  it("insecureSkipVerify accepts it", async () => {
    const out = await provider().instant(metric({ insecureSkipVerify: true }), "x", new Date(), ctx);
    assert.ok(out.ok);
  });
});
