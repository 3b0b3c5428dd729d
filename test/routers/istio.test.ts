import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALL_TO_STABLE } from "../../src/core/routing.ts";
import { buildVirtualService } from "../../src/routers/istio/build.ts";
import { buildDestinationRule } from "../../src/routers/istio/destination-rule.ts";
import { readVirtualServiceManagedRoutes, readVirtualServiceWeights } from "../../src/routers/istio/read.ts";
import type { DestinationRule, IstioHTTPRoute, VirtualService } from "../../src/routers/istio/schema.ts";
import { fixture, ok, problem, rolloutWith, routing } from "./helpers.ts";

const byHost = rolloutWith({ istio: { virtualService: { name: "checkout" } } });
const bySubset = rolloutWith({
  istio: {
    virtualService: { name: "checkout", routes: ["primary"] },
    destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" },
  },
});
const httpOf = (service: unknown): IstioHTTPRoute[] => (service as VirtualService).spec.http ?? [];
const named = (service: unknown, name: string): IstioHTTPRoute => {
  const route = httpOf(service).find((candidate) => candidate.name === name);
  assert.ok(route, `no http route ${name} in ${JSON.stringify(httpOf(service).map((r) => r.name))}`);
  return route;
};
const testers = { name: "testers", match: [{ headerName: "X-Canary", headerValue: { prefix: "yes" } }] };
const shadow = { name: "shadow", percentage: 20, match: [{ method: { exact: "GET" } }] };

describe("Istio VirtualService builder: weights", () => {
  it("weights every route sending to the stable host and leaves the others byte for byte", () => {
    const original = fixture("virtualservice-by-host.yaml");
    const before = structuredClone(original);
    const built = ok(buildVirtualService(original, byHost, routing(35)));
    assert.deepEqual(original, before);
    const [api, primary, reviews, legacy] = httpOf(built);
    const [apiBefore, primaryBefore, reviewsBefore, legacyBefore] = httpOf(before);
    assert.deepEqual(api?.route, [
      {
        destination: { host: "checkout-stable.shop.svc.cluster.local", port: { number: 8080 } },
        weight: 65,
        headers: { response: { set: { "x-backend": "stable" } } },
      },
      // The canary copies the stable destination's port and form of host name, not its per-destination header settings.
      { destination: { host: "checkout-canary.shop.svc.cluster.local", port: { number: 8080 } }, weight: 35 },
    ]);
    assert.deepEqual({ ...api, route: undefined }, { ...apiBefore, route: undefined });
    assert.deepEqual(primary?.route?.map((entry) => [entry.destination.host, entry.weight]), [["checkout-stable", 65], ["checkout-canary", 35]]);
    assert.deepEqual({ ...primary, route: undefined }, { ...primaryBefore, route: undefined });
    assert.deepEqual(reviews, reviewsBefore);
    assert.deepEqual(legacy, legacyBefore);
    assert.deepEqual({ ...built, spec: { ...built.spec, http: undefined } }, { ...(before as VirtualService), spec: { ...(before as VirtualService).spec, http: undefined } });
  });

  it("weights only the routes named in virtualService.routes, by subset", () => {
    const before = fixture("virtualservice-by-subset.yaml");
    const built = ok(buildVirtualService(before, bySubset, routing(10)));
    assert.deepEqual(named(built, "primary").route?.map((entry) => [entry.destination.subset, entry.weight]), [["stable", 90], ["canary", 10]]);
    assert.deepEqual(named(built, "fallback"), httpOf(before)[1], "an unnamed route is not ours even though it sends to stable");
  });

  it("reports a named route that does not exist, listing the ones that do", () => {
    const missing = rolloutWith({ istio: { virtualService: { name: "checkout", routes: ["primary", "secondary"] } } });
    const found = problem(buildVirtualService(fixture("virtualservice-by-host.yaml"), missing, routing(10)));
    assert.equal(found.code, "RouteNotFound");
    assert.equal(
      found.message,
      'VirtualService shop/checkout has no http route named "secondary" (it has "api", "primary", "reviews", "legacy"); add it or fix trafficRouting.istio.virtualService.routes',
    );
  });

  it("reports a named route that does not send to stable, and a VirtualService with no such route at all", () => {
    const wrong = rolloutWith({ istio: { virtualService: { name: "checkout", routes: ["reviews"] } } });
    const named = problem(buildVirtualService(fixture("virtualservice-by-host.yaml"), wrong, routing(10)));
    assert.equal(named.code, "NoStableBackend");
    assert.match(named.message, /the http routes named reviews has no destination with host checkout-stable; add one with weight 100/);
    const service = fixture("virtualservice-by-host.yaml") as VirtualService;
    service.spec.http = httpOf(service).slice(2);
    assert.equal(problem(buildVirtualService(service, byHost, routing(10))).code, "NoStableBackend");
  });

  it("refuses a route that also sends weighted traffic to a third destination (Istio weights must add up to 100)", () => {
    const service = fixture("virtualservice-by-host.yaml") as VirtualService;
    httpOf(service)[1]?.route?.push({ destination: { host: "checkout-legacy" }, weight: 10 });
    const found = problem(buildVirtualService(service, byHost, routing(10)));
    assert.equal(found.code, "AmbiguousRouting");
    assert.match(found.message, /"primary" also sends traffic to checkout-legacy/);
  });

  it("reports a missing or malformed VirtualService instead of throwing", () => {
    assert.equal(problem(buildVirtualService(undefined, byHost, routing(10))).code, "ObjectNotFound");
    const broken = fixture("virtualservice-by-host.yaml") as VirtualService;
    (httpOf(broken)[1]?.route?.[0] as Record<string, unknown>)["destination"] = "checkout-stable";
    const malformed = problem(buildVirtualService(broken, byHost, routing(10)));
    assert.equal(malformed.code, "MalformedObject");
    assert.match(malformed.message, /spec\.http\[1\]\.route\[0\]\.destination/);
  });
});

describe("Istio VirtualService builder: managed routes", () => {
  it("puts header routes first, one per target route, narrowing each user match, to the canary only", () => {
    const built = ok(buildVirtualService(fixture("virtualservice-by-host.yaml"), byHost, routing(0, { headerRoutes: [testers] })));
    assert.deepEqual(httpOf(built).map((route) => route.name), ["sluice-checkout-testers", "sluice-checkout-testers-1", "api", "primary", "reviews", "legacy"]);
    const first = named(built, "sluice-checkout-testers");
    assert.deepEqual(first.match, [
      { uri: { prefix: "/api" }, headers: { "x-canary": { prefix: "yes" } } },
      { uri: { prefix: "/v2/api" }, method: { exact: "POST" }, headers: { "x-region": { exact: "eu" }, "x-canary": { prefix: "yes" } } },
    ]);
    assert.deepEqual(first.route, [{ destination: { host: "checkout-canary.shop.svc.cluster.local", port: { number: 8080 } } }]);
    const settings = first as Record<string, unknown>;
    assert.deepEqual([settings["rewrite"], settings["retries"]], [{ uri: "/" }, { attempts: 3, perTryTimeout: "2s", retryOn: "5xx,reset" }]);
    assert.deepEqual(named(built, "sluice-checkout-testers-1").match, [{ uri: { prefix: "/checkout" }, headers: { "x-canary": { prefix: "yes" } } }]);
  });

  it("adds mirror routes after header routes, copying the weighted destinations and mirroring to the canary subset", () => {
    const built = ok(buildVirtualService(fixture("virtualservice-by-subset.yaml"), bySubset, routing(10, { headerRoutes: [testers], mirrorRoutes: [shadow] })));
    assert.deepEqual(httpOf(built).map((route) => route.name), ["sluice-checkout-testers", "sluice-checkout-shadow", "primary", "fallback"]);
    const mirror = named(built, "sluice-checkout-shadow");
    assert.deepEqual(mirror.match, [{ headers: { "end-user": { exact: "jason" } }, method: { exact: "GET" } }]);
    assert.deepEqual(mirror.route, named(built, "primary").route);
    assert.deepEqual(mirror.mirror, { host: "checkout", subset: "canary" });
    assert.deepEqual(mirror.mirrorPercentage, { value: 20 });
    assert.deepEqual((mirror as Record<string, unknown>)["corsPolicy"], { allowOrigins: [{ exact: "https://shop.example.com" }] });
  });

  it("refuses one name for a header and a mirror route (http route names must be unique)", () => {
    const found = problem(buildVirtualService(fixture("virtualservice-by-subset.yaml"), bySubset, routing(0, { headerRoutes: [testers], mirrorRoutes: [{ ...shadow, name: "testers" }] })));
    assert.equal(found.code, "Unsupported");
  });

  it("mirrors every request of the route when the mirror has no match", () => {
    const built = ok(buildVirtualService(fixture("virtualservice-by-subset.yaml"), bySubset, routing(0, { mirrorRoutes: [{ name: "all", percentage: 100, match: [] }] })));
    assert.deepEqual(named(built, "sluice-checkout-all").match, named(built, "primary").match);
  });

  it("leaves out `match` (Istio rejects an empty one) when the route and the mirror match every request", () => {
    const fallback = rolloutWith({
      istio: { virtualService: { name: "checkout", routes: ["fallback"] }, destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" } },
    });
    const everything = { name: "all", percentage: 5, match: [{}] };
    const mirror = named(ok(buildVirtualService(fixture("virtualservice-by-subset.yaml"), fallback, routing(0, { mirrorRoutes: [everything] }))), "sluice-checkout-all");
    assert.equal("match" in mirror, false);
    assert.deepEqual(mirror.route, [
      { destination: { host: "checkout", subset: "stable" }, weight: 100 },
      { destination: { host: "checkout", subset: "canary" }, weight: 0 },
    ]);
    const byMethod = named(ok(buildVirtualService(fixture("virtualservice-by-subset.yaml"), fallback, routing(0, { mirrorRoutes: [shadow] }))), "sluice-checkout-shadow");
    assert.deepEqual(byMethod.match, [{ method: { exact: "GET" } }]);
  });

  it("removes managed routes no longer wanted and returns to the original on reset", () => {
    const original = fixture("virtualservice-by-subset.yaml");
    const steps = [routing(0, { mirrorRoutes: [shadow] }), routing(0), routing(20, { headerRoutes: [testers] }), routing(60, { headerRoutes: [testers] })];
    let service: unknown = original;
    for (const want of steps) service = ok(buildVirtualService(service, bySubset, want));
    assert.deepEqual(readVirtualServiceManagedRoutes(service, bySubset), ["sluice-checkout-testers"]);
    const reset = ok(buildVirtualService(service, bySubset, ALL_TO_STABLE));
    assert.deepEqual(reset, original);
    assert.deepEqual(readVirtualServiceManagedRoutes(reset, bySubset), []);
  });
});

describe("Istio VirtualService read-back", () => {
  it("reads what a build wrote, and a lone stable destination as 100%", () => {
    for (const weight of [0, 7, 50, 100]) {
      assert.deepEqual(readVirtualServiceWeights(buildVirtualService(fixture("virtualservice-by-host.yaml"), byHost, routing(weight)), byHost), {
        canary: weight,
        stable: 100 - weight,
      });
    }
    const loneStable = rolloutWith({ istio: { virtualService: { name: "checkout", routes: ["api"] } } });
    assert.deepEqual(readVirtualServiceWeights(fixture("virtualservice-by-host.yaml"), loneStable), { canary: 0, stable: 100 });
  });

  it("reports target routes that disagree", () => {
    const service = ok(buildVirtualService(fixture("virtualservice-by-host.yaml"), byHost, routing(30)));
    const primary = httpOf(service)[1]?.route ?? [];
    for (const [index, weight] of [[0, 100], [1, 0]] as const) {
      const entry = primary[index];
      if (entry) entry.weight = weight;
    }
    assert.equal(problem(readVirtualServiceWeights(service, byHost)).code, "InconsistentWeights");
  });
});

describe("Istio DestinationRule builder", () => {
  it("pins the stable and canary subsets to their pod-template hashes and keeps everything else", () => {
    const original = fixture("destinationrule.yaml");
    const built = ok(buildDestinationRule(original, bySubset, { stablePodHash: "6d4f8b7c9", canaryPodHash: "58c7d9f6b" }));
    const [stable, canary, debug] = built.spec.subsets ?? [];
    const [stableBefore, canaryBefore, debugBefore] = (original as DestinationRule).spec.subsets ?? [];
    assert.deepEqual(stable, { ...stableBefore, labels: { app: "checkout", "rollouts-pod-template-hash": "6d4f8b7c9" } });
    assert.deepEqual(canary, { ...canaryBefore, labels: { app: "checkout", "rollouts-pod-template-hash": "58c7d9f6b" } });
    assert.deepEqual(debug, debugBefore);
    assert.deepEqual({ ...built.spec, subsets: undefined }, { ...(original as DestinationRule).spec, subsets: undefined });
  });

  it("points the canary subset at the stable pods when there is no canary, and is idempotent", () => {
    const once = ok(buildDestinationRule(fixture("destinationrule.yaml"), bySubset, { stablePodHash: "abc" }));
    assert.equal(once.spec.subsets?.[1]?.labels?.["rollouts-pod-template-hash"], "abc");
    assert.deepEqual(ok(buildDestinationRule(once, bySubset, { stablePodHash: "abc" })), once);
  });

  it("reports a missing subset and a missing stable hash", () => {
    const renamed = rolloutWith({
      istio: { virtualService: { name: "checkout" }, destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "preview" } },
    });
    const found = problem(buildDestinationRule(fixture("destinationrule.yaml"), renamed, { stablePodHash: "abc" }));
    assert.equal(found.code, "RouteNotFound");
    assert.match(found.message, /DestinationRule shop\/checkout has no subset named "preview"/);
    assert.equal(problem(buildDestinationRule(fixture("destinationrule.yaml"), bySubset, {})).code, "InvalidRollout");
    assert.equal(problem(buildDestinationRule(fixture("destinationrule.yaml"), byHost, { stablePodHash: "abc" })).code, "InvalidRollout");
  });
});
