/**
 * Properties every router's pure builder must have, over random weights and step sequences:
 * whole weights summing to 100 at every write, read-back equal to what was asked, idempotence, a result
 * that depends only on the desired routing and not on the history, reset back to the original, and the
 * user's own rules/routes untouched.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Rollout } from "../../src/api/rollout.ts";
import { ROUTER_CAPABILITIES } from "../../src/api/router-capabilities.ts";
import { ALL_TO_STABLE, type DesiredRouting } from "../../src/core/routing.ts";
import { buildHTTPRoute } from "../../src/routers/gateway-api/build.ts";
import { readHTTPRouteWeights } from "../../src/routers/gateway-api/read.ts";
import type { HTTPRoute } from "../../src/routers/gateway-api/schema.ts";
import { buildVirtualService } from "../../src/routers/istio/build.ts";
import { readVirtualServiceWeights } from "../../src/routers/istio/read.ts";
import type { IstioHTTPRoute, IstioRouteDestination, VirtualService } from "../../src/routers/istio/schema.ts";
import { buildCanaryIngress } from "../../src/routers/nginx/canary-ingress.ts";
import { readCanaryIngressWeights } from "../../src/routers/nginx/read.ts";
import type { Ingress } from "../../src/routers/nginx/schema.ts";
import { buildTrafficSplit } from "../../src/routers/smi/build.ts";
import { readTrafficSplitWeights } from "../../src/routers/smi/read.ts";
import { backendWeight, type TrafficSplit } from "../../src/routers/smi/schema.ts";
import type { RoutedWeights, RouterProblem } from "../../src/routers/types.ts";
import { stepSequence, desiredRouting, type RouteSupport } from "./arbitraries.ts";
import { fixture, ok, rolloutWith } from "./helpers.ts";

type Subject = {
  name: string;
  rollout: Rollout;
  support: RouteSupport;
  /** Objects at rest (100% stable, no managed routes): reset must give them back exactly. */
  atRest: unknown[];
  /** Objects not at rest (a rule without the canary ref): still every other property. */
  other: unknown[];
  build(current: unknown, want: DesiredRouting): unknown;
  read(current: unknown): RoutedWeights | RouterProblem;
  /** Every [stable, canary] pair written, one per weighted rule/route/backend list. */
  writtenWeights(built: unknown): [number | undefined, number | undefined][];
  /** The parts that are the user's alone and must come back unchanged. */
  userParts(object: unknown): unknown;
  /** What the provider's API server would reject, asserted on every built object. */
  assertValid(built: unknown): void;
};

function assertUniqueNames(names: (string | undefined)[]): void {
  const named = names.filter((name) => name !== undefined);
  assert.equal(new Set(named).size, named.length, `duplicate names in ${JSON.stringify(named)}`);
}

const isOurs = (name: string) => name === "checkout-stable" || name === "checkout-canary";

const gatewayRollout = rolloutWith({ gatewayAPI: { httpRoute: "checkout" } });
const gateway: Subject = {
  name: "Gateway API HTTPRoute",
  rollout: gatewayRollout,
  support: ROUTER_CAPABILITIES.gatewayAPI,
  atRest: [fixture("httproute-at-rest.yaml")],
  other: [fixture("httproute-multi-rule.yaml")],
  build: (current, want) => ok(buildHTTPRoute(current, gatewayRollout, want)),
  read: (current) => readHTTPRouteWeights(current, gatewayRollout),
  writtenWeights: (built) =>
    ((built as HTTPRoute).spec.rules ?? [])
      .filter((rule) => !rule.name?.startsWith("sluice-") && rule.backendRefs?.some((ref) => ref.name === "checkout-stable"))
      .map((rule) => [rule.backendRefs?.find((ref) => ref.name === "checkout-stable")?.weight, rule.backendRefs?.find((ref) => ref.name === "checkout-canary")?.weight]),
  userParts: (object) => {
    const route = object as HTTPRoute;
    return { ...route, spec: { ...route.spec, rules: (route.spec.rules ?? []).filter((rule) => !rule.backendRefs?.some((ref) => isOurs(ref.name))) } };
  },
  assertValid: (built) => {
    const rules = (built as HTTPRoute).spec.rules ?? [];
    assert.ok(rules.length <= 16, "an HTTPRoute holds at most 16 rules");
    assertUniqueNames(rules.map((rule) => rule.name));
    for (const rule of rules) for (const match of rule.matches ?? []) assertUniqueNames((match.headers ?? []).map((header) => header.name.toLowerCase()));
  },
};

const istioRollout = rolloutWith({ istio: { virtualService: { name: "checkout" } } });
const istioSubsetRollout = rolloutWith({
  istio: { virtualService: { name: "checkout", routes: ["primary"] }, destinationRule: { name: "checkout", stableSubsetName: "stable", canarySubsetName: "canary" } },
});
function istioSubject(name: string, rollout: Rollout, targets: (route: IstioHTTPRoute) => boolean, atRest: unknown[], other: unknown[]): Subject {
  const isStable = (entry: IstioRouteDestination) => entry.destination.subset === "stable" || entry.destination.host.startsWith("checkout-stable");
  const isCanary = (entry: IstioRouteDestination) => entry.destination.subset === "canary" || entry.destination.host.startsWith("checkout-canary");
  const userRoutes = (object: unknown) => ((object as VirtualService).spec.http ?? []).filter((route) => !route.name?.startsWith("sluice-"));
  return {
    name,
    rollout,
    support: ROUTER_CAPABILITIES.istio,
    atRest,
    other,
    build: (current, want) => ok(buildVirtualService(current, rollout, want)),
    read: (current) => readVirtualServiceWeights(current, rollout),
    writtenWeights: (built) =>
      userRoutes(built)
        .filter(targets)
        .map((route) => [route.route?.find(isStable)?.weight, route.route?.find(isCanary)?.weight]),
    userParts: (object) => {
      const service = object as VirtualService;
      return { ...service, spec: { ...service.spec, http: userRoutes(object).filter((route) => !targets(route)) } };
    },
    assertValid: (built) => {
      const routes = (built as VirtualService).spec.http ?? [];
      assertUniqueNames(routes.map((route) => route.name));
      for (const route of routes) {
        const weights = (route.route ?? []).map((entry) => entry.weight ?? 100);
        if (weights.length > 1) assert.equal(weights.reduce((sum, weight) => sum + weight, 0), 100, `route ${route.name} weights ${weights}`);
        for (const match of route.match ?? []) {
          assert.ok(Object.keys(match).length > 0, `route ${route.name} has an empty match`);
          for (const key of Object.keys(match.headers ?? {})) assert.equal(key, key.toLowerCase());
        }
      }
    },
  };
}
const istioByHost = istioSubject(
  "Istio VirtualService by host",
  istioRollout,
  (route) => route.name === "api" || route.name === "primary",
  [],
  [fixture("virtualservice-by-host.yaml")],
);
const istioBySubset = istioSubject("Istio VirtualService by subset", istioSubsetRollout, (route) => route.name === "primary", [fixture("virtualservice-by-subset.yaml")], []);

const nginxRollout = rolloutWith({ nginx: { stableIngress: "checkout", annotationPrefix: "nginx.ingress.kubernetes.io" } });
const stableIngress = fixture("ingress-stable.yaml");
const WEIGHT = "nginx.ingress.kubernetes.io/canary-weight";
const nginx: Subject = {
  name: "nginx canary Ingress",
  rollout: nginxRollout,
  support: ROUTER_CAPABILITIES.nginx,
  // No canary Ingress before the first step: reset is compared with the one built for ALL_TO_STABLE.
  atRest: [],
  other: [undefined],
  build: (current, want) => ok(buildCanaryIngress(current, stableIngress, nginxRollout, want)),
  read: (current) => readCanaryIngressWeights(current, nginxRollout),
  writtenWeights: (built) => {
    const canary = Number((built as Ingress).metadata.annotations?.[WEIGHT]);
    return [[100 - canary, canary]];
  },
  // The stable Ingress is the user's; the builder must never change it.
  userParts: () => stableIngress,
  assertValid: (built) => {
    const annotations = (built as Ingress).metadata.annotations ?? {};
    assert.equal(annotations["nginx.ingress.kubernetes.io/canary"], "true");
    assert.ok(!("nginx.ingress.kubernetes.io/canary-by-header-value" in annotations && "nginx.ingress.kubernetes.io/canary-by-header-pattern" in annotations));
  },
};

const smiRollout = rolloutWith({ smi: {} });
const smi: Subject = {
  name: "SMI TrafficSplit",
  rollout: smiRollout,
  support: ROUTER_CAPABILITIES.smi,
  atRest: [fixture("trafficsplit-v1alpha3.yaml")],
  other: [undefined],
  build: (current, want) => ok(buildTrafficSplit(current, smiRollout, want)),
  read: (current) => readTrafficSplitWeights(current, smiRollout),
  writtenWeights: (built) => {
    const backends = (built as TrafficSplit).spec.backends;
    const weightOf = (service: string) => {
      const backend = backends.find((candidate) => candidate.service === service);
      return backend ? backendWeight(backend) : undefined;
    };
    return [[weightOf("checkout-stable"), weightOf("checkout-canary")]];
  },
  userParts: (object) => {
    if (object === undefined) return undefined;
    const split = object as TrafficSplit;
    return { ...split, spec: { ...split.spec, backends: split.spec.backends.filter((backend) => !isOurs(backend.service)) } };
  },
  assertValid: (built) => {
    for (const backend of (built as TrafficSplit).spec.backends) assert.ok(Number.isInteger(backend.weight), "v1alpha2+ weights are integers");
  },
};

const run = (subject: Subject, start: unknown, steps: DesiredRouting[]) => steps.reduce((current, want) => subject.build(current, want), start);

for (const subject of [gateway, istioByHost, istioBySubset, nginx, smi]) {
  const starts = [...subject.atRest, ...subject.other];
  const start = fc.constantFrom(...starts.map((_, index) => index)).map((index) => starts[index]);

  describe(`${subject.name}: properties`, () => {
    it("writes whole weights in 0..100 that add up to 100 and reads back what it wrote, at every step", () => {
      fc.assert(
        fc.property(start, stepSequence(subject.support), (initial, steps) => {
          let current = initial;
          for (const want of steps) {
            current = subject.build(current, want);
            subject.assertValid(current);
            const written = subject.writtenWeights(current);
            assert.ok(written.length > 0);
            for (const [stable, canary] of written) {
              assert.ok(Number.isInteger(stable) && Number.isInteger(canary), `weights ${stable}/${canary}`);
              assert.ok((canary as number) >= 0 && (canary as number) <= 100);
              assert.equal((stable as number) + (canary as number), 100);
              assert.equal(canary, want.canaryWeight);
            }
            assert.deepEqual(subject.read(current), { canary: want.canaryWeight, stable: 100 - want.canaryWeight });
          }
        }),
      );
    });

    it("is idempotent and depends only on the desired routing, not on the steps before", () => {
      fc.assert(
        fc.property(start, stepSequence(subject.support), desiredRouting(subject.support), (initial, steps, want) => {
          const once = subject.build(run(subject, initial, steps), want);
          assert.deepEqual(subject.build(once, want), once, "build(build(x)) = build(x)");
          assert.deepEqual(once, subject.build(subject.build(initial, ALL_TO_STABLE), want), "same routing, same object, whatever the history");
        }),
      );
    });

    it("leaves the user's own rules and objects untouched", () => {
      fc.assert(
        fc.property(start, stepSequence(subject.support), (initial, steps) => {
          const before = structuredClone(initial);
          const after = run(subject, initial, steps);
          assert.deepEqual(initial, before, "the input is never mutated");
          assert.deepEqual(subject.userParts(after), subject.userParts(subject.build(initial, ALL_TO_STABLE)));
          if (initial !== undefined) {
            // Byte for byte, key order included: what a `kubectl get -o yaml` diff would show.
            assert.equal(JSON.stringify(subject.userParts(after)), JSON.stringify(subject.userParts(initial)));
          }
        }),
      );
    });

    it("resets to the original routing after any sequence", () => {
      fc.assert(
        fc.property(start, stepSequence(subject.support), (initial, steps) => {
          const reset = subject.build(run(subject, initial, steps), ALL_TO_STABLE);
          const expected = subject.atRest.includes(initial) ? initial : subject.build(initial, ALL_TO_STABLE);
          assert.deepEqual(reset, expected);
          assert.deepEqual(subject.read(reset), { canary: 0, stable: 100 });
        }),
      );
    });
  });
}
