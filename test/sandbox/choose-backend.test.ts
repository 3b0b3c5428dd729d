/** The gateway's pure routing decision: precedence, weights, header rules as sluice writes them, mirrors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HTTPRoute, HTTPRouteRule } from "../../src/routers/gateway-api/schema.ts";
import { chooseBackend, seededRandom, type GatewayRequest, type RouteDecision } from "../../src/sandbox/gateway/index.ts";

function route(rules: HTTPRouteRule[]): HTTPRoute {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: "shop" }, spec: { rules } };
}

const weighted = (stable: number, canary: number): HTTPRouteRule => ({
  backendRefs: [
    { name: "web-stable", port: 80, weight: stable },
    { name: "web-canary", port: 80, weight: canary },
  ],
});

const get = (url = "/", headers: Record<string, string> = {}): GatewayRequest => ({ method: "GET", url, headers });

function backendName(decision: RouteDecision): string {
  assert.equal(decision.kind, "backend", JSON.stringify(decision));
  return decision.kind === "backend" ? decision.backend.name : "";
}

function share(r: HTTPRoute, request: GatewayRequest, service: string, n = 10_000): number {
  const random = seededRandom(42);
  let hits = 0;
  for (let i = 0; i < n; i++) if (backendName(chooseBackend(r, request, random)) === service) hits++;
  return hits / n;
}

describe("chooseBackend", () => {
  it("splits in proportion to the weights", () => {
    assert.ok(Math.abs(share(route([weighted(80, 20)]), get(), "web-canary") - 0.2) < 0.02);
    assert.ok(Math.abs(share(route([weighted(3, 1)]), get(), "web-canary") - 0.25) < 0.02);
    assert.equal(share(route([weighted(100, 0)]), get(), "web-canary"), 0);
    assert.equal(share(route([weighted(0, 100)]), get(), "web-canary"), 1);
  });

  it("a weight absent is 1; the route's namespace is the backends' default", () => {
    const d = chooseBackend(route([{ backendRefs: [{ name: "only" }] }]), get(), seededRandom(1));
    assert.deepEqual(d, { kind: "backend", rule: "#0", backend: { namespace: "shop", name: "only", port: undefined }, mirrors: [] });
  });

  it("sluice's header rule (Exact) wins over the weighted user rule; other requests stay weighted", () => {
    const r = route([
      weighted(100, 0),
      { name: "sluice-web-testers-0", matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: "X-Canary", value: "always" }] }], backendRefs: [{ name: "web-canary", port: 80, weight: 1 }] },
    ]);
    assert.equal(share(r, get("/", { "x-canary": "always" }), "web-canary", 500), 1, "header names compare case-insensitively");
    assert.equal(share(r, get("/", { "x-canary": "sometimes" }), "web-canary", 500), 0);
    assert.equal(share(r, get("/"), "web-canary", 500), 0);
  });

  it("RegularExpression header matches the whole value (a prefix becomes ^prefix.*)", () => {
    const r = route([
      weighted(100, 0),
      { name: "sluice-web-beta-0", matches: [{ headers: [{ type: "RegularExpression", name: "user-agent", value: "^beta-.*" }] }], backendRefs: [{ name: "web-canary" }] },
      { name: "sluice-web-exact-0", matches: [{ headers: [{ type: "RegularExpression", name: "x-id", value: "4[0-9]" }] }], backendRefs: [{ name: "web-canary" }] },
    ]);
    assert.equal(backendName(chooseBackend(r, get("/", { "user-agent": "beta-7" }), Math.random)), "web-canary");
    assert.equal(backendName(chooseBackend(r, get("/", { "user-agent": "gamma" }), Math.random)), "web-stable");
    assert.equal(backendName(chooseBackend(r, get("/", { "x-id": "42" }), Math.random)), "web-canary");
    assert.equal(backendName(chooseBackend(r, get("/", { "x-id": "420" }), Math.random)), "web-stable", "not a substring match");
  });

  it("paths: Exact beats PathPrefix, a longer prefix beats a shorter one, prefixes match whole elements", () => {
    const r = route([
      { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "root" }] },
      { matches: [{ path: { type: "PathPrefix", value: "/api" } }], backendRefs: [{ name: "api" }] },
      { matches: [{ path: { type: "Exact", value: "/api/health" } }], backendRefs: [{ name: "health" }] },
    ]);
    assert.equal(backendName(chooseBackend(r, get("/api/health"), Math.random)), "health");
    assert.equal(backendName(chooseBackend(r, get("/api/health/x"), Math.random)), "api");
    assert.equal(backendName(chooseBackend(r, get("/api?x=1"), Math.random)), "api");
    assert.equal(backendName(chooseBackend(r, get("/apix"), Math.random)), "root");
  });

  it("method and more headers are more specific; a tie goes to the earlier rule", () => {
    const r = route([
      { matches: [{ headers: [{ name: "a", value: "1" }] }], backendRefs: [{ name: "one-header" }] },
      { matches: [{ headers: [{ name: "a", value: "1" }, { name: "b", value: "2" }] }], backendRefs: [{ name: "two-headers" }] },
      { matches: [{ method: "POST" }], backendRefs: [{ name: "post" }] },
      { matches: [{ headers: [{ name: "a", value: "1" }] }], backendRefs: [{ name: "later-twin" }] },
    ]);
    assert.equal(backendName(chooseBackend(r, get("/", { a: "1" }), Math.random)), "one-header");
    assert.equal(backendName(chooseBackend(r, get("/", { a: "1", b: "2" }), Math.random)), "two-headers");
    assert.equal(backendName(chooseBackend(r, { method: "POST", url: "/", headers: { a: "1", b: "2" } }, Math.random)), "post");
  });

  it("no matching rule is no-match (404); weights all 0 or a non-Service ref is no-backend (500)", () => {
    assert.deepEqual(chooseBackend(route([{ matches: [{ path: { type: "Exact", value: "/x" } }], backendRefs: [{ name: "a" }] }]), get("/y"), Math.random), { kind: "no-match" });
    assert.equal(chooseBackend(route([weighted(0, 0)]), get(), Math.random).kind, "no-backend");
    assert.equal(chooseBackend(route([{ backendRefs: [{ name: "b", kind: "Bucket", group: "example.com" }] }]), get(), Math.random).kind, "no-backend");
  });

  it("RequestMirror copies its percent (or fraction) of the rule's requests to the mirror Service", () => {
    const mirrorRule = (filter: Record<string, unknown>): HTTPRoute =>
      route([{ ...weighted(100, 0), filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "web-canary", port: 80 }, ...filter } }] }]);
    const mirrored = (r: HTTPRoute): number => {
      const random = seededRandom(7);
      let n = 0;
      for (let i = 0; i < 10_000; i++) {
        const d = chooseBackend(r, get(), random);
        if (d.kind === "backend" && d.mirrors.some((m) => m.name === "web-canary")) n++;
      }
      return n / 10_000;
    };
    assert.ok(Math.abs(mirrored(mirrorRule({ percent: 20 })) - 0.2) < 0.02);
    assert.ok(Math.abs(mirrored(mirrorRule({ fraction: { numerator: 1, denominator: 4 } })) - 0.25) < 0.02);
    assert.equal(mirrored(mirrorRule({})), 1, "no percent = every request");
    assert.equal(mirrored(route([weighted(100, 0)])), 0);
  });
});
