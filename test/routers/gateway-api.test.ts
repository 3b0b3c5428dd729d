import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALL_TO_STABLE } from "../../src/core/routing.ts";
import { buildHTTPRoute } from "../../src/routers/gateway-api/build.ts";
import { readHTTPRouteManagedRules, readHTTPRouteWeights } from "../../src/routers/gateway-api/read.ts";
import type { HTTPRoute, HTTPRouteRule } from "../../src/routers/gateway-api/schema.ts";
import { fixture, ok, problem, rolloutWith, routing } from "./helpers.ts";

const rollout = rolloutWith({ gatewayAPI: { httpRoute: "checkout" } });
const rulesOf = (route: unknown): HTTPRouteRule[] => (route as HTTPRoute).spec.rules ?? [];
const ruleNamed = (route: unknown, name: string): HTTPRouteRule => {
  const rule = rulesOf(route).find((candidate) => candidate.name === name);
  assert.ok(rule, `no rule named ${name} in ${JSON.stringify(rulesOf(route).map((r) => r.name))}`);
  return rule;
};
const testers = { name: "testers", match: [{ headerName: "X-Canary", headerValue: { exact: "always" } }] };
const shadow = { name: "shadow", percentage: 20, match: [{ method: { exact: "GET" } }] };

describe("Gateway API HTTPRoute builder: weights", () => {
  it("weights every rule that names the stable Service and leaves everything else as it was", () => {
    const original = fixture("httproute-multi-rule.yaml");
    const before = structuredClone(original);
    const built = ok(buildHTTPRoute(original, rollout, routing(30)));
    assert.deepEqual(original, before, "the input object must not be mutated");

    const [web, api, cart, health] = rulesOf(built);
    const [webOriginal, apiOriginal, cartOriginal, healthOriginal] = rulesOf(before);
    assert.deepEqual(web?.backendRefs?.map((ref) => [ref.name, ref.weight]), [["checkout-stable", 70], ["checkout-canary", 30]]);
    // The stable backendRef's own filters survive; only its weight changed.
    assert.deepEqual(web?.backendRefs?.[0], { ...webOriginal?.backendRefs?.[0], weight: 70 });
    assert.deepEqual({ ...web, backendRefs: undefined }, { ...webOriginal, backendRefs: undefined });
    // The canary ref is added right after the stable one, copying its port.
    assert.deepEqual(api?.backendRefs, [
      { name: "checkout-stable", port: 8080, weight: 70 },
      { name: "checkout-canary", port: 8080, weight: 30 },
    ]);
    assert.deepEqual({ ...api, backendRefs: undefined }, { ...apiOriginal, backendRefs: undefined });
    assert.equal(JSON.stringify(cart), JSON.stringify(cartOriginal), "byte for byte, key order included");
    assert.equal(JSON.stringify(health), JSON.stringify(healthOriginal));
    assert.equal(JSON.stringify(web?.filters), JSON.stringify(webOriginal?.filters));
    assert.equal(rulesOf(built).length, 4);
    const { spec: _builtSpec, ...builtRest } = built;
    const { spec: _originalSpec, ...originalRest } = before as HTTPRoute;
    assert.deepEqual(builtRest, originalRest, "metadata and other top-level fields are kept");
    assert.deepEqual({ ...built.spec, rules: undefined }, { ...(before as HTTPRoute).spec, rules: undefined });
  });

  it("clamps and rounds a weight outside 0..100 so a write is always whole", () => {
    const built = ok(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(140)));
    assert.deepEqual(rulesOf(built)[0]?.backendRefs?.map((ref) => ref.weight), [0, 100]);
    const rounded = ok(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(12.6)));
    assert.deepEqual(rulesOf(rounded)[0]?.backendRefs?.map((ref) => ref.weight), [87, 13]);
  });

  it("uses trafficRouting.gatewayAPI.namespace in messages", () => {
    const elsewhere = rolloutWith({ gatewayAPI: { httpRoute: "checkout", namespace: "edge" } });
    assert.match(problem(buildHTTPRoute(undefined, elsewhere, routing(0))).message, /HTTPRoute edge\/checkout/);
  });

  it("weights only backendRefs into the Rollout's namespace, also from an HTTPRoute in another namespace", () => {
    const route = fixture("httproute-at-rest.yaml") as HTTPRoute;
    route.metadata.namespace = "edge";
    const refs = route.spec.rules?.[0]?.backendRefs ?? [];
    // Same Service names in the route's own namespace (edge) are someone else's.
    assert.equal(problem(buildHTTPRoute(route, rolloutWith({ gatewayAPI: { httpRoute: "checkout", namespace: "edge" } }), routing(10))).code, "NoStableBackend");
    for (const ref of refs) ref.namespace = "shop";
    const built = ok(buildHTTPRoute(route, rolloutWith({ gatewayAPI: { httpRoute: "checkout", namespace: "edge" } }), routing(10)));
    assert.deepEqual(rulesOf(built)[0]?.backendRefs, [
      { name: "checkout-stable", port: 80, weight: 90, namespace: "shop" },
      { name: "checkout-canary", port: 80, weight: 10, namespace: "shop" },
    ]);
  });
});

describe("Gateway API HTTPRoute builder: managed rules", () => {
  it("adds one header rule per weighted rule, within that rule's matches, to the canary only", () => {
    const built = ok(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(10, { headerRoutes: [testers] })));
    assert.equal(rulesOf(built).length, 6);
    const first = ruleNamed(built, "sluice-checkout-testers");
    assert.deepEqual(first.matches, [
      { path: { type: "PathPrefix", value: "/checkout" }, headers: [{ type: "Exact", name: "X-Canary", value: "always" }] },
      {
        path: { type: "PathPrefix", value: "/pay" },
        headers: [
          { type: "Exact", name: "X-Region", value: "eu" },
          { type: "Exact", name: "X-Canary", value: "always" },
        ],
      },
    ]);
    assert.deepEqual(first.backendRefs, [{ name: "checkout-canary", port: 80, weight: 1 }]);
    assert.deepEqual(first.filters, rulesOf(fixture("httproute-multi-rule.yaml"))[0]?.filters, "the user rule's filters apply to the canary too");
    assert.deepEqual((first as Record<string, unknown>)["timeouts"], { request: "10s", backendRequest: "2s" });
    const second = ruleNamed(built, "sluice-checkout-testers-1");
    assert.deepEqual(second.matches, [
      { path: { type: "PathPrefix", value: "/api/checkout" }, method: "POST", headers: [{ type: "Exact", name: "X-Canary", value: "always" }] },
    ]);
    assert.deepEqual(second.backendRefs, [{ name: "checkout-canary", port: 8080, weight: 1 }]);
  });

  it("turns a prefix header match into an anchored regular expression and replaces a user entry for the same header", () => {
    const route = fixture("httproute-multi-rule.yaml");
    const beta = { name: "beta", match: [{ headerName: "x-region", headerValue: { prefix: "eu.west+" } }] };
    const built = ok(buildHTTPRoute(route, rollout, routing(0, { headerRoutes: [beta] })));
    assert.deepEqual(ruleNamed(built, "sluice-checkout-beta").matches?.[1]?.headers, [
      { type: "RegularExpression", name: "x-region", value: "^eu\\.west\\+.*" },
    ]);
  });

  it("skips a header route without conditions instead of sending everything to the canary", () => {
    const built = ok(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(0, { headerRoutes: [{ name: "empty", match: [] }] })));
    assert.equal(rulesOf(built).length, 2);
  });

  it("mirrors a percentage of matching requests from a weighted copy of the rule", () => {
    const built = ok(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(25, { mirrorRoutes: [shadow] })));
    const mirror = ruleNamed(built, "sluice-checkout-shadow");
    assert.deepEqual(mirror.matches, [{ path: { type: "PathPrefix", value: "/checkout" }, method: "GET" }]);
    assert.deepEqual(mirror.backendRefs, rulesOf(built)[0]?.backendRefs, "mirrored traffic is still split by weight");
    assert.deepEqual(mirror.filters, [
      { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Route", value: "checkout" }] } },
      { type: "RequestMirror", requestMirror: { backendRef: { name: "checkout-canary", port: 80 }, percent: 20 } },
    ]);
  });

  it("combines mirror path and header matches with each of the rule's matches", () => {
    const mirror = { name: "m", percentage: 5, match: [{ path: { prefix: "/checkout/pay" }, headers: { "X-Debug": { regex: "on|yes" } } }] };
    const built = ok(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(0, { mirrorRoutes: [mirror] })));
    assert.deepEqual(ruleNamed(built, "sluice-checkout-m").matches, [
      { path: { type: "PathPrefix", value: "/checkout/pay" }, headers: [{ type: "RegularExpression", name: "X-Debug", value: "on|yes" }] },
    ]);
  });

  it("removes the managed rules the routing no longer asks for, and only those", () => {
    const withRoutes = ok(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(10, { headerRoutes: [testers], mirrorRoutes: [shadow] })));
    assert.deepEqual(readHTTPRouteManagedRules(withRoutes, rollout).sort(), [
      "sluice-checkout-shadow",
      "sluice-checkout-shadow-1",
      "sluice-checkout-testers",
      "sluice-checkout-testers-1",
    ]);
    const otherRollout = rolloutWith({ gatewayAPI: { httpRoute: "checkout" } }, (raw) => {
      raw.metadata.name = "checkout-eu";
    });
    assert.deepEqual(readHTTPRouteManagedRules(withRoutes, otherRollout), [], "another Rollout's prefix does not match ours");
    const withoutHeader = ok(buildHTTPRoute(withRoutes, rollout, routing(10, { mirrorRoutes: [shadow] })));
    assert.deepEqual(readHTTPRouteManagedRules(withoutHeader, rollout).sort(), ["sluice-checkout-shadow", "sluice-checkout-shadow-1"]);
    assert.deepEqual(withoutHeader, ok(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(10, { mirrorRoutes: [shadow] }))));
  });

  it("returns to the original object on reset after a sequence of steps", () => {
    const original = fixture("httproute-at-rest.yaml");
    let route: unknown = original;
    for (const want of [routing(0, { headerRoutes: [testers] }), routing(10, { headerRoutes: [testers], mirrorRoutes: [shadow] }), routing(50)]) {
      route = ok(buildHTTPRoute(route, rollout, want));
    }
    assert.deepEqual(ok(buildHTTPRoute(route, rollout, ALL_TO_STABLE)), original);
  });
});

describe("Gateway API HTTPRoute builder: problems", () => {
  it("names the object and the fix when no rule sends to the stable Service", () => {
    const route = fixture("httproute-at-rest.yaml") as HTTPRoute;
    route.spec.rules = route.spec.rules?.slice(1);
    const found = problem(buildHTTPRoute(route, rollout, routing(10)));
    assert.equal(found.code, "NoStableBackend");
    assert.equal(
      found.message,
      "HTTPRoute shop/checkout has no rule with a backendRef to Service checkout-stable; add one with weight 100 (and checkout-canary with weight 0)",
    );
  });

  it("reports a missing or malformed HTTPRoute instead of throwing", () => {
    assert.equal(problem(buildHTTPRoute(undefined, rollout, routing(10))).code, "ObjectNotFound");
    const broken = fixture("httproute-at-rest.yaml") as HTTPRoute;
    (broken.spec as Record<string, unknown>)["rules"] = { not: "a list" };
    const malformed = problem(buildHTTPRoute(broken, rollout, routing(10)));
    assert.equal(malformed.code, "MalformedObject");
    assert.match(malformed.message, /HTTPRoute shop\/checkout is malformed at spec\.rules/);
    assert.equal(problem(buildHTTPRoute("not an object", rollout, routing(10))).code, "MalformedObject");
  });

  it("refuses a rule with two backendRefs to the stable Service", () => {
    const route = fixture("httproute-at-rest.yaml") as HTTPRoute;
    route.spec.rules?.[0]?.backendRefs?.push({ name: "checkout-stable", port: 8080, weight: 1 });
    const found = problem(buildHTTPRoute(route, rollout, routing(10)));
    assert.equal(found.code, "AmbiguousRouting");
    assert.match(found.message, /rule #0 has 2 backendRefs to Service checkout-stable/);
  });

  it("refuses a mirror match by method regex, which HTTPRoute cannot express", () => {
    const mirror = { name: "m", percentage: 5, match: [{ method: { regex: "GET|HEAD" } }] };
    assert.equal(problem(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(0, { mirrorRoutes: [mirror] }))).code, "Unsupported");
  });

  it("refuses more rules than Gateway API allows and one name for a header and a mirror route", () => {
    const routes = ["a", "b", "c", "d", "e", "f", "g"].map((name) => ({ ...testers, name }));
    const tooMany = problem(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(10, { headerRoutes: routes })));
    assert.equal(tooMany.code, "Unsupported");
    assert.match(tooMany.message, /would need 18 rules \(14 for header\/mirror routes\), more than the 16 Gateway API allows/);
    const manyHeaders = { name: "many", match: Array.from({ length: 16 }, (_, index) => ({ headerName: `X-H${index}`, headerValue: { exact: "1" } })) };
    assert.match(problem(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(0, { headerRoutes: [manyHeaders] }))).message, /sluice-checkout-many would match more than 16 headers/);
    const same = problem(buildHTTPRoute(fixture("httproute-at-rest.yaml"), rollout, routing(10, { headerRoutes: [testers], mirrorRoutes: [{ ...shadow, name: "testers" }] })));
    assert.match(same.message, /"testers" names both a header route and a mirror route/);
  });

  it("needs a Rollout with both Services and a gatewayAPI block", () => {
    const noServices = rolloutWith(undefined);
    assert.equal(problem(buildHTTPRoute(fixture("httproute-at-rest.yaml"), noServices, routing(0))).code, "InvalidRollout");
  });
});

describe("Gateway API HTTPRoute read-back", () => {
  it("reads what a build wrote", () => {
    for (const weight of [0, 1, 33, 50, 99, 100]) {
      const built = buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(weight));
      assert.deepEqual(readHTTPRouteWeights(built, rollout), { canary: weight, stable: 100 - weight });
    }
  });

  it("treats weights as proportional with a default of 1", () => {
    const route = fixture("httproute-at-rest.yaml") as HTTPRoute;
    const refs = route.spec.rules?.[0]?.backendRefs ?? [];
    refs[0] = { name: "checkout-stable", port: 80, weight: 3 };
    refs[1] = { name: "checkout-canary", port: 80 };
    assert.deepEqual(readHTTPRouteWeights(route, rollout), { canary: 25, stable: 75 });
    refs.splice(1, 1);
    delete refs[0]?.weight;
    assert.deepEqual(readHTTPRouteWeights(route, rollout), { canary: 0, stable: 100 });
  });

  it("reports rules that disagree and rules that send nothing anywhere", () => {
    const route = ok(buildHTTPRoute(fixture("httproute-multi-rule.yaml"), rollout, routing(40)));
    const second = rulesOf(route)[1]?.backendRefs ?? [];
    second[0] = { ...second[0], name: "checkout-stable", weight: 100 };
    second[1] = { ...second[1], name: "checkout-canary", weight: 0 };
    assert.equal(problem(readHTTPRouteWeights(route, rollout)).code, "InconsistentWeights");
    second[0] = { ...second[0], name: "checkout-stable", weight: 0 };
    assert.equal(problem(readHTTPRouteWeights(route, rollout)).code, "MalformedObject");
  });
});
